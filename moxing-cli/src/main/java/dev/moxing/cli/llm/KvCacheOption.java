package dev.moxing.cli.llm;

import dev.moxing.llm.model.KvCacheType;
import picocli.CommandLine.Option;

/** {@code --kv-cache f32|f16|q8_0}, shared by the commands that run a model through its KV cache (a picocli mixin). */
public final class KvCacheOption {
    @Option(names = "--kv-cache", paramLabel = "TYPE",
            description = "Type the KV cache stores keys and values in: f32, f16 (half the memory) or q8_0 (3.76x less; "
                    + "needs a head dim that is a multiple of 32) (default: ${DEFAULT-VALUE}).")
    String kvCache = "f32";

    /** The chosen type; a bad value names the option. */
    KvCacheType type() {
        try {
            return KvCacheType.parse(kvCache);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--kv-cache: " + e.getMessage(), e);
        }
    }
}
