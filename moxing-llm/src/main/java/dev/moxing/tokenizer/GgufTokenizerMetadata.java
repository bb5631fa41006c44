package dev.moxing.tokenizer;

import dev.moxing.gguf.GgufValue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code tokenizer.ggml.*} metadata that describes a tokenizer in a GGUF file, as llama.cpp's
 * converters write it: the inverse of {@link GgufTokenizers#load}.
 * <ul>
 *   <li>{@link SentencePieceBpe} → {@code model = "llama"}: tokens, scores, token_type;
 *   <li>{@link ByteLevelBpe} → {@code model = "gpt2"}: tokens, token_type, merges and
 *       {@code pre} (the pre-tokenizer's llama.cpp name);
 *   <li>{@link CharTokenizer} → {@code model = "gpt2"} whose tokens are the characters and whose
 *       merges rebuild them from bytes, marked for Moxing's reader (see {@link GgufCharVocabulary}).
 * </ul>
 * Special ids are written as uint32 only where the vocabulary has them (llama.cpp's legacy
 * converters wrote absent ones as 4294967295; its current ones leave them out), then
 * add_bos_token and add_eos_token. WordPiece vocabularies have no place in a decoder's GGUF
 * file and are refused.
 */
public final class GgufTokenizerMetadata {
    private static final String P = GgufTokenizers.PREFIX;

    private GgufTokenizerMetadata() {
    }

    /** As {@link #of(Tokenizer)}, for a model whose vocabulary must be exactly the tokenizer's. */
    public static Map<String, GgufValue> forModel(Tokenizer tokenizer, int modelVocabSize) {
        if (tokenizer.vocabSize() != modelVocabSize) {
            throw new IllegalArgumentException("the tokenizer has " + tokenizer.vocabSize() + " tokens but the model's vocabulary is "
                    + modelVocabSize);
        }
        return of(tokenizer);
    }

    /** The metadata entries, in the order llama.cpp writes them. Throws naming the tokenizer when it has no GGUF form. */
    public static Map<String, GgufValue> of(Tokenizer tokenizer) {
        return switch (tokenizer) {
            case SentencePieceBpe spm -> sentencePiece(spm);
            case ByteLevelBpe bpe -> byteLevel(bpe);
            case CharTokenizer chars -> GgufCharVocabulary.of(chars);
            default -> throw new IllegalArgumentException("a " + tokenizer.getClass().getSimpleName()
                    + " vocabulary has no GGUF form (SentencePiece, byte-level BPE and character vocabularies have)");
        };
    }

    private static Map<String, GgufValue> sentencePiece(SentencePieceBpe spm) {
        Vocabulary v = spm.vocabulary();
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put(P + "model", GgufValue.of("llama"));
        m.put(P + "tokens", GgufValue.ofArray(GgufValue.Type.STRING, v.tokens.clone()));
        float[] scores = spm.mergesByRank() ? scoresFromRanks(spm) : v.scores.clone();
        m.put(P + "scores", GgufValue.ofArray(GgufValue.Type.FLOAT32, scores));
        m.put(P + "token_type", GgufValue.ofArray(GgufValue.Type.INT32, codes(v.types)));
        if (!spm.addsSpacePrefix()) m.put(P + "add_space_prefix", GgufValue.ofBool(false)); // llama.cpp's default is true
        ids(m, v.ids, v.ids.eos());
        return m;
    }

    /**
     * llama.cpp's SentencePiece tokenizer merges by score, not by rule rank. A vocabulary that
     * merges by rank (from a Hugging Face tokenizer.json) gets the scores that make the two agree
     * wherever one rule makes each token: a merge's result scores minus its rank (earlier rules
     * win), tokens no rule makes score below every rule.
     */
    private static float[] scoresFromRanks(SentencePieceBpe spm) {
        Vocabulary v = spm.vocabulary();
        var rules = spm.mergeLines();
        float[] scores = new float[v.size()];
        Arrays.fill(scores, -(rules.size() + 1f));
        boolean[] set = new boolean[v.size()];
        for (int rank = 0; rank < rules.size(); rank++) {
            int id = v.index.find(rules.get(rank).replace(" ", ""));
            if (id >= 0 && !set[id]) {
                scores[id] = -rank;
                set[id] = true;
            }
        }
        return scores;
    }

    private static Map<String, GgufValue> byteLevel(ByteLevelBpe bpe) {
        int n = bpe.vocabSize();
        String[] tokens = new String[n];
        int[] types = new int[n];
        var user = bpe.options().userDefined();
        for (int id = 0; id < n; id++) {
            tokens[id] = bpe.token(id);
            TokenType t = !bpe.specialTokens().containsKey(tokens[id]) || bpe.specialTokens().get(tokens[id]) != id
                    ? TokenType.NORMAL : user.contains(tokens[id]) ? TokenType.USER_DEFINED : TokenType.CONTROL;
            types[id] = t.ggufCode();
        }
        String[] merges = new String[bpe.mergeCount()];
        for (int r = 0; r < merges.length; r++) merges[r] = bpe.mergeLine(r);
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put(P + "model", GgufValue.of("gpt2"));
        m.put(P + "pre", GgufValue.of(switch (bpe.preTokenizer()) {
            case GPT2 -> "gpt-2";
            case LLAMA3 -> "llama-bpe";
            case QWEN2 -> "qwen2";
        }));
        m.put(P + "tokens", GgufValue.ofArray(GgufValue.Type.STRING, tokens));
        m.put(P + "token_type", GgufValue.ofArray(GgufValue.Type.INT32, types));
        m.put(P + "merges", GgufValue.ofArray(GgufValue.Type.STRING, merges));
        SpecialIds ids = bpe.options().ids();
        // Vocabularies trained here have no eos id but GPT-2's <|endoftext|>, which ends a document.
        int eos = ids.eos() >= 0 ? ids.eos() : bpe.specialTokenId(ByteLevelBpe.END_OF_TEXT).orElse(-1);
        ids(m, ids, eos);
        return m;
    }

    private static int[] codes(TokenType[] types) {
        int[] codes = new int[types.length];
        for (int i = 0; i < types.length; i++) codes[i] = types[i].ggufCode();
        return codes;
    }

    private static void ids(Map<String, GgufValue> m, SpecialIds ids, int eos) {
        if (ids.bos() >= 0) m.put(P + "bos_token_id", GgufValue.ofUint32(ids.bos()));
        if (eos >= 0) m.put(P + "eos_token_id", GgufValue.ofUint32(eos));
        if (ids.unk() >= 0) m.put(P + "unknown_token_id", GgufValue.ofUint32(ids.unk()));
        if (ids.pad() >= 0) m.put(P + "padding_token_id", GgufValue.ofUint32(ids.pad()));
        m.put(P + "add_bos_token", GgufValue.ofBool(ids.addBos()));
        m.put(P + "add_eos_token", GgufValue.ofBool(ids.addEos()));
    }
}
