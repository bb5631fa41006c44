package dev.moxing.cli.llm;

import dev.moxing.llm.generate.GenerateOptions;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/** The sampling options {@code moxing generate} and {@code moxing chat} share (a picocli mixin). */
public final class SamplingOptions {
    @Option(names = "--temperature", description = "Sampling temperature; 0 = greedy (default: ${DEFAULT-VALUE}).")
    float temperature = 0.8f;
    @Option(names = "--top-k", description = "Sample among the K most likely tokens; 0 = all (default: ${DEFAULT-VALUE}).")
    int topK = 0;
    @Option(names = "--top-p", description = "Nucleus sampling: smallest set with this much probability; 1 = off (default: ${DEFAULT-VALUE}).")
    float topP = 1f;
    @Option(names = "--min-p", description = "Keep tokens at least this fraction as likely as the top one; 0 = off (default: ${DEFAULT-VALUE}).")
    float minP = 0f;
    @Option(names = "--repetition-penalty", description = "Penalise tokens already seen (CTRL-style); 1 = off (default: ${DEFAULT-VALUE}).")
    float repetitionPenalty = 1f;
    @Option(names = "--frequency-penalty", description = "Subtract this times a token's count in the generated text from its logit; 0 = off (default: ${DEFAULT-VALUE}).")
    float frequencyPenalty = 0f;
    @Option(names = "--presence-penalty", description = "Subtract this from the logit of every token already generated; 0 = off (default: ${DEFAULT-VALUE}).")
    float presencePenalty = 0f;
    @Option(names = "--seed", description = "Sampling seed (default: ${DEFAULT-VALUE}).")
    long seed = 42;
    @Option(names = "--stop", paramLabel = "STR", description = "Stop when this text appears (repeatable; \\n means newline).")
    List<String> stop = new ArrayList<>();

    /** The options, with the messages of bad values naming the command-line option. */
    GenerateOptions toOptions(int maxTokens) {
        List<String> stops = new ArrayList<>();
        for (String s : stop) {
            String unescaped = s.replace("\\n", "\n").replace("\\t", "\t");
            if (unescaped.isEmpty()) throw new IllegalArgumentException("--stop: an empty stop string would stop at once");
            stops.add(unescaped);
        }
        try {
            return new GenerateOptions(maxTokens, temperature, topK, topP, repetitionPenalty, seed, stops,
                    minP, frequencyPenalty, presencePenalty);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(optionName(e.getMessage()), e);
        }
    }

    /** GenerateOptions names its fields (maxTokens); the user typed options (--max-tokens). */
    private static String optionName(String message) {
        return message.replace("maxTokens", "--max-tokens").replace("temperature", "--temperature")
                .replace("topK", "--top-k").replace("topP", "--top-p").replace("minP", "--min-p")
                .replace("repetitionPenalty", "--repetition-penalty").replace("frequencyPenalty", "--frequency-penalty")
                .replace("presencePenalty", "--presence-penalty");
    }
}
