package dev.moxing.tokenizer;

import dev.moxing.gguf.GgufFile;
import dev.moxing.gguf.GgufFormatException;
import dev.moxing.gguf.GgufValue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The tokenizer a GGUF file describes in its {@code tokenizer.ggml.*} metadata, as llama.cpp
 * reads it:
 * <ul>
 *   <li>{@code model = "llama"}: {@link SentencePieceBpe} (tokens, scores, token_type,
 *       add_space_prefix — default true);
 *   <li>{@code model = "bert"}: {@link WordPiece} (normalizer.lowercase — default true —
 *       and normalizer.strip_accents — default: as lowercase);
 *   <li>{@code model = "gpt2"}: {@link ByteLevelBpe} (tokens, merges, and the pre-tokenizer named
 *       by {@code pre}, see {@link BpePreTokenizer#ofGguf}); with {@code moxing.tokenizer.model =
 *       "char"}, a {@link CharTokenizer} written by Moxing (see {@link GgufCharVocabulary}).
 * </ul>
 * Special ids: bos/eos/unknown/padding ({@code _token_id}), with BERT's cls and separator standing
 * in for bos and eos; add_bos_token/add_eos_token (defaults: true/false for llama and bert, false
 * for gpt2). Generation stops at eos, eot and eom, and at tokens whose text llama.cpp treats as
 * an end of turn ({@code <|end|>}, {@code <|eot_id|>}, {@code <|im_end|>} …).
 *
 * <p>Metadata that contradicts itself (arrays of different lengths, a token type outside 1–6, an
 * id outside the vocabulary, a merge naming an unknown token) is a {@link GgufFormatException}
 * naming the file, the key and the value.
 */
public final class GgufTokenizers {

    static final String PREFIX = "tokenizer.ggml.";

    /** Texts that end a turn in common chat vocabularies (from llama.cpp's end-of-generation list). */
    static final Set<String> END_OF_TURN = Set.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
            "<|endoftext|>", "<|end_of_text|>", "<|eom_id|>", "<EOT>", "<|return|>");

    private GgufTokenizers() {}

    /** Opens a GGUF file and loads its tokenizer. */
    public static Tokenizer load(Path path) throws IOException {
        return load(GgufFile.open(path));
    }

    public static Tokenizer load(GgufFile f) throws IOException {
        if (!f.has(PREFIX + "model")) {
            throw new GgufFormatException(f.path(), "has no tokenizer (no metadata key '" + PREFIX + "model')");
        }
        String model = f.string(PREFIX + "model");
        try {
            return switch (model) {
                case "llama" -> sentencePiece(f);
                case "bert" -> wordPiece(f);
                case "gpt2" -> GgufCharVocabulary.VALUE.equals(f.string(GgufCharVocabulary.KEY, "")) ? characters(f) : byteLevel(f);
                default -> throw new GgufFormatException(f.path(), "tokenizer model '" + model + "' (key '" + PREFIX
                        + "model') is not supported; known: llama (SentencePiece), bert (WordPiece), gpt2 (byte-level BPE)");
            };
        } catch (IllegalArgumentException e) {
            throw new GgufFormatException(f.path(), e.getMessage());
        }
    }

    private static SentencePieceBpe sentencePiece(GgufFile f) throws IOException {
        String[] tokens = f.strings(PREFIX + "tokens");
        TokenType[] types = types(f, tokens.length);
        Vocabulary v = new Vocabulary(tokens, scores(f, tokens.length), types, ids(f, tokens, types, "llama"));
        return new SentencePieceBpe(v, f.bool(PREFIX + "add_space_prefix", true), null, null);
    }

    private static WordPiece wordPiece(GgufFile f) throws IOException {
        String[] tokens = f.strings(PREFIX + "tokens");
        TokenType[] types = types(f, tokens.length);
        Vocabulary v = new Vocabulary(tokens, scores(f, tokens.length), types, ids(f, tokens, types, "bert"));
        boolean lowercase = f.bool(PREFIX + "normalizer.lowercase", true);
        return new WordPiece(v, lowercase, f.bool(PREFIX + "normalizer.strip_accents", lowercase));
    }

    /** A {@link CharTokenizer} written as a gpt2 vocabulary of whole characters (see {@link GgufCharVocabulary}). */
    private static CharTokenizer characters(GgufFile f) throws IOException {
        String[] tokens = f.strings(PREFIX + "tokens");
        return GgufCharVocabulary.fromGguf(tokens, types(f, tokens.length), f.strings(PREFIX + "merges"),
                id(f, "unknown_token_id", tokens.length), f.bool(PREFIX + "add_bos_token", false));
    }

    private static ByteLevelBpe byteLevel(GgufFile f) throws IOException {
        String[] tokens = f.strings(PREFIX + "tokens");
        TokenType[] types = types(f, tokens.length);
        String preName = f.string(PREFIX + "pre", "default");
        BpePreTokenizer pre;
        try {
            pre = BpePreTokenizer.ofGguf(preName);
        } catch (IllegalArgumentException e) {
            throw new GgufFormatException(f.path(), "key '" + PREFIX + "pre': " + e.getMessage());
        }
        // Control and user-defined tokens are stored as their literal text, not in GPT-2's byte alphabet.
        Map<String, Integer> specials = new LinkedHashMap<>();
        List<String> userDefined = new ArrayList<>();
        for (int id = 0; id < tokens.length; id++) {
            if (types[id] == TokenType.CONTROL || types[id] == TokenType.USER_DEFINED || types[id] == TokenType.UNKNOWN) {
                if (specials.putIfAbsent(tokens[id], id) != null) {
                    throw new GgufFormatException(f.path(), "key '" + PREFIX + "tokens': special token \"" + tokens[id]
                            + "\" appears twice, as ids " + specials.get(tokens[id]) + " and " + id);
                }
                if (types[id] == TokenType.USER_DEFINED) userDefined.add(tokens[id]);
            }
        }
        List<String> merges = Arrays.asList(f.strings(PREFIX + "merges"));
        ByteLevelBpe.Options options = new ByteLevelBpe.Options(pre, pre == BpePreTokenizer.LLAMA3, userDefined,
                ids(f, tokens, types, "gpt2"));
        try {
            return ByteLevelBpe.fromTokens(tokens, merges, specials, false, options);
        } catch (IllegalArgumentException e) {
            throw new GgufFormatException(f.path(), "keys '" + PREFIX + "tokens'/'" + PREFIX + "merges': " + e.getMessage());
        }
    }

    private static TokenType[] types(GgufFile f, int n) throws IOException {
        TokenType[] types = new TokenType[n];
        String key = PREFIX + "token_type";
        if (!f.has(key)) {
            Arrays.fill(types, TokenType.NORMAL);
            return types;
        }
        int[] codes = f.ints(key);
        if (codes.length != n) {
            throw new GgufFormatException(f.path(), "key '" + key + "' has " + codes.length + " entries but '"
                    + PREFIX + "tokens' has " + n);
        }
        for (int i = 0; i < n; i++) {
            if (codes[i] < 1 || codes[i] > 6) {
                throw new GgufFormatException(f.path(), "key '" + key + "'[" + i + "] = " + codes[i]
                        + " is not a token type (1 normal … 6 byte)");
            }
            types[i] = TokenType.ofGgufCode(codes[i]);
        }
        return types;
    }

    private static float[] scores(GgufFile f, int n) throws IOException {
        String key = PREFIX + "scores";
        if (!f.has(key)) return new float[n];
        GgufValue v = f.value(key);
        float[] scores;
        if (v.elementType() == GgufValue.Type.INT32) { // llama.cpp accepts integer scores too
            int[] ints = f.ints(key);
            scores = new float[ints.length];
            for (int i = 0; i < ints.length; i++) scores[i] = ints[i];
        } else {
            scores = f.floats(key);
        }
        if (scores.length != n) {
            throw new GgufFormatException(f.path(), "key '" + key + "' has " + scores.length + " entries but '"
                    + PREFIX + "tokens' has " + n);
        }
        return scores;
    }

    private static SpecialIds ids(GgufFile f, String[] tokens, TokenType[] types, String model) throws IOException {
        int n = tokens.length;
        boolean bert = model.equals("bert");
        int bos = id(f, "bos_token_id", n), eos = id(f, "eos_token_id", n);
        if (bert && bos < 0) bos = id(f, "cls_token_id", n);
        if (bert && eos < 0) eos = id(f, "seperator_token_id", n);
        int unk = id(f, "unknown_token_id", n), pad = id(f, "padding_token_id", n);
        Set<Integer> stop = new LinkedHashSet<>();
        if (eos >= 0) stop.add(eos);
        for (String key : new String[] {"eot_token_id", "eom_token_id"}) {
            int id = id(f, key, n);
            if (id >= 0) stop.add(id);
        }
        if (!bert) {
            for (int id = 0; id < n; id++) {
                if (types[id] != TokenType.NORMAL && END_OF_TURN.contains(tokens[id])) stop.add(id);
            }
        }
        boolean defaultAddBos = !model.equals("gpt2");
        boolean addBos = f.bool(PREFIX + "add_bos_token", defaultAddBos), addEos = f.bool(PREFIX + "add_eos_token", false);
        if (addBos && bos < 0) {
            if (f.has(PREFIX + "add_bos_token")) {
                throw new GgufFormatException(f.path(), "key '" + PREFIX + "add_bos_token' is true but there is no '"
                        + PREFIX + "bos_token_id'");
            }
            addBos = false; // only the default asked for it
        }
        if (addEos && eos < 0) {
            throw new GgufFormatException(f.path(), "key '" + PREFIX + "add_eos_token' is true but there is no '"
                    + PREFIX + "eos_token_id'");
        }
        return new SpecialIds(bos, eos, unk, pad, stop.stream().mapToInt(Integer::intValue).toArray(), addBos, addEos);
    }

    /** {@code tokenizer.ggml.<name>}, or -1 when absent (or written as -1); throws naming key and value when outside the vocabulary. */
    private static int id(GgufFile f, String name, int n) throws IOException {
        String key = PREFIX + name;
        if (!f.has(key)) return -1;
        Object raw = f.value(key).value();
        long id = raw instanceof Number num ? num.longValue() : Long.MIN_VALUE;
        // llama.cpp writes "no such token" as -1, which a uint32 key stores as 4294967295.
        if (id == -1 || id == 0xFFFF_FFFFL) return -1;
        if (id < 0 || id >= n) {
            throw new GgufFormatException(f.path(), "key '" + key + "' = " + f.value(key).describe()
                    + " is not a token id: the vocabulary has " + n + " tokens");
        }
        return (int) id;
    }
}
