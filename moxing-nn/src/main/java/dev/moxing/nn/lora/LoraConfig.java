package dev.moxing.nn.lora;

import java.util.Set;

/**
 * What {@link Lora#apply} adds: rank-{@code rank} adapters scaled by {@code alpha / rank}, with
 * dropout {@code dropout} on the adapter's input, on every Linear whose dotted module name ends
 * with one of {@code targets} at a name boundary ("attn.q" matches "block0.attn.q", not
 * "block0.xattn.q"). {@code seed} drives the adapters' initialisation and dropout masks.
 */
public record LoraConfig(int rank, float alpha, float dropout, Set<String> targets, long seed) {

    public LoraConfig {
        if (rank <= 0) throw new IllegalArgumentException("LoraConfig: rank must be positive, got " + rank);
        if (!(alpha > 0)) throw new IllegalArgumentException("LoraConfig: alpha must be positive, got " + alpha);
        if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("LoraConfig: dropout must be in [0, 1), got " + dropout);
        if (targets == null || targets.isEmpty()) throw new IllegalArgumentException("LoraConfig: no target modules");
        targets = Set.copyOf(targets);
    }

    /** The usual starting point: alpha = 2·rank, no dropout. */
    public static LoraConfig of(int rank, String... targets) {
        return new LoraConfig(rank, 2f * rank, 0f, Set.of(targets), 0);
    }

    /** The factor on the adapter's output. */
    public float scale() {
        return alpha / rank;
    }
}
