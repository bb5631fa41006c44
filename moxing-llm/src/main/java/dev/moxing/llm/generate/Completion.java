package dev.moxing.llm.generate;

/**
 * What a generation produced. {@code tokens} are every id chosen, including any whose text
 * reached into the stop string that ended it; {@code text} is the continuation without that
 * stop string; {@code logprobs[i]} is the log-probability of {@code tokens[i]} (see {@link Sampler}).
 */
public record Completion(int[] tokens, String text, float[] logprobs, StopReason stopReason) {

    /** Why generation ended. */
    public enum StopReason {
        /** maxTokens were generated. */
        LENGTH,
        /** The model chose an end-of-sequence or end-of-turn token (not part of tokens). */
        END_TOKEN,
        /** The text reached one of the stop strings. */
        STOP_STRING
    }
}
