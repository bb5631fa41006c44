package dev.moxing.cli.llm;

import dev.moxing.llm.LanguageModel;
import dev.moxing.llm.chat.ChatSession;
import dev.moxing.llm.chat.ChatTemplate;
import dev.moxing.llm.generate.GenerateOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code moxing chat}: a conversation on stdin and stdout. Each user line gets a streamed reply;
 * the whole conversation is re-rendered with the model's chat template every turn (the KV cache
 * of the shared prefix is kept). The banner and notices go to stderr, so stdout is the transcript.
 */
@Command(name = "chat", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Chat with a language model: one user message per line on stdin, replies streamed to stdout.",
                "The model's own chat template formats the conversation (GGUF tokenizer.chat_template or Hugging Face "
                        + "tokenizer_config.json); a model without one gets plain 'User: …' / 'Assistant:' lines.",
                "Commands: /reset forgets the conversation, /system TEXT sets the system prompt, /exit (or end of input) quits.",
                "Works piped too: echo hi | moxing chat --model m.gguf"})
public final class ChatCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "FILE", required = true,
            description = "Model: a GGUF file, a Hugging Face directory, a llama2.c checkpoint or a moxing train gpt directory.")
    Path model;
    @Option(names = "--system", paramLabel = "TEXT", description = "System prompt (default: none).")
    String system = "";
    @Option(names = "--max-tokens", description = "Most tokens per reply (default: ${DEFAULT-VALUE}).")
    int maxTokens = 512;
    @Mixin
    SamplingOptions sampling;
    @Mixin
    KvCacheOption kvCache;

    @Override
    public Integer call() throws Exception {
        GenerateOptions options = sampling.toOptions(maxTokens);
        LanguageModel lm = LanguageModel.load(model, 0, kvCache.type());
        ChatSession chat = new ChatSession(lm).system(system);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean interactive = System.console() != null;
        err.println(banner(lm, chat.template()));
        err.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (long turn = 0; ; ) {
            if (interactive) {
                out.print("> ");
                out.flush();
            }
            String line = in.readLine();
            if (line == null || line.strip().equals("/exit")) break;
            if (!interactive) out.println("> " + line); // piped: the transcript shows what was said
            String command = line.strip();
            if (command.isEmpty()) continue;
            if (command.equals("/reset")) {
                chat.reset();
                err.println("[conversation cleared]");
            } else if (command.equals("/system") || command.startsWith("/system ")) {
                chat.system(command.substring("/system".length()).strip());
                err.println(chat.system().isEmpty() ? "[system prompt cleared]" : "[system prompt set]");
            } else if (command.startsWith("/")) {
                err.println("[unknown command " + command.split("\\s+")[0] + ": /reset, /system TEXT, /exit]");
            } else {
                try {
                    // A fresh seed per turn, derived from --seed: replies differ, runs repeat.
                    String reply = chat.reply(line, options.withSeed(options.seed() + turn++), piece -> {
                        out.print(piece);
                        out.flush();
                    }).text();
                    if (!reply.endsWith("\n")) out.println();
                    out.println();
                } catch (IllegalArgumentException e) { // the template rejected the conversation: say so, keep going
                    out.println();
                    err.println("moxing: " + e.getMessage());
                }
            }
            out.flush();
            err.flush();
        }
        out.flush();
        return 0;
    }

    private static String banner(LanguageModel lm, ChatTemplate template) {
        String format = template.isFallback()
                ? "no chat template in the model: using the fallback format ('User: …' / 'Assistant:' lines)"
                : "chat template: " + template.source();
        return "moxing chat: " + lm + "\n" + format + "\n/reset forgets the conversation, /system TEXT sets the system prompt, "
                + "/exit or end of input quits.";
    }
}
