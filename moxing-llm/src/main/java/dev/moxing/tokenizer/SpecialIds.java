package dev.moxing.tokenizer;

import java.util.Arrays;
import java.util.OptionalInt;

/**
 * The ids a model needs around text: what starts a sequence, what ends generation, what stands
 * for unknown text. -1 means the vocabulary has no such token.
 *
 * @param bos      beginning of sequence
 * @param eos      end of sequence
 * @param unk      unknown text
 * @param pad      padding
 * @param stop     every id that ends generation: {@code eos}, end-of-turn, end-of-message…
 * @param addBos   whether prompts start with {@code bos}
 * @param addEos   whether encoded sequences end with {@code eos} (embedding models)
 */
record SpecialIds(int bos, int eos, int unk, int pad, int[] stop, boolean addBos, boolean addEos) {

    static final SpecialIds NONE = new SpecialIds(-1, -1, -1, -1, new int[0], false, false);

    SpecialIds {
        stop = stop == null ? new int[0] : stop.clone();
    }

    /** Throws unless every id is -1 or in {@code [0, vocabSize)}, and a flag asking for a token has one. */
    void check(int vocabSize) {
        checkId("bos", bos, vocabSize);
        checkId("eos", eos, vocabSize);
        checkId("unk", unk, vocabSize);
        checkId("pad", pad, vocabSize);
        for (int id : stop) checkId("end-of-generation", id, vocabSize);
        if (addBos && bos < 0) throw new IllegalArgumentException("add_bos is set but there is no bos token");
        if (addEos && eos < 0) throw new IllegalArgumentException("add_eos is set but there is no eos token");
    }

    private static void checkId(String what, int id, int vocabSize) {
        if (id < -1 || id >= vocabSize) {
            throw new IllegalArgumentException(what + " token id " + id + " is outside the vocabulary [0, " + vocabSize + ")");
        }
    }

    OptionalInt bosId() {
        return bos < 0 ? OptionalInt.empty() : OptionalInt.of(bos);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SpecialIds s && bos == s.bos && eos == s.eos && unk == s.unk && pad == s.pad
                && Arrays.equals(stop, s.stop) && addBos == s.addBos && addEos == s.addEos;
    }

    @Override
    public int hashCode() {
        return ((bos * 31 + eos) * 31 + unk) * 31 + Arrays.hashCode(stop);
    }

    @Override
    public String toString() {
        return "SpecialIds[bos=" + bos + ", eos=" + eos + ", unk=" + unk + ", pad=" + pad + ", stop="
                + Arrays.toString(stop) + ", addBos=" + addBos + ", addEos=" + addEos + "]";
    }
}
