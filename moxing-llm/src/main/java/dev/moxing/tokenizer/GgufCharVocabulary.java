package dev.moxing.tokenizer;

import dev.moxing.gguf.GgufValue;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@link CharTokenizer} in GGUF metadata, in a form llama.cpp's tools load and Moxing reads back
 * as the same tokenizer.
 *
 * <p>GGUF knows no character-level tokenizer, so the vocabulary is written as a byte-level BPE
 * ({@code tokenizer.ggml.model = "gpt2"}, pre-tokenizer {@code gpt-2}) whose tokens are exactly
 * the characters, in id order:
 * <ul>
 *   <li>token {@code i} is character {@code i}'s UTF-8 bytes in GPT-2's byte-to-unicode alphabet
 *       ("a" → {@code a}, " " → {@code Ġ}, "中" (E4 B8 AD) → {@code ä¸Ń});
 *   <li>merges rebuild each multi-byte character from its bytes, left to right:
 *       {@code "ä ¸"}, then {@code "ä¸ Ń"}. A merge's left side always starts with a UTF-8 lead
 *       byte and its right side is one continuation byte, so no merge can join bytes of two
 *       characters, and BPE over a known character's bytes always ends at that character's token.
 *       The prefixes the merges pass through ({@code ä¸}) are not tokens: llama.cpp ranks merges by
 *       their pair alone, and the vocabulary size must stay the model's;
 *   <li>every token is NORMAL, there is no bos/eos, add_bos_token is false, and the chosen
 *       unknown-character id, if any, is {@code tokenizer.ggml.unknown_token_id};
 *   <li>{@link #KEY} = {@code "char"} tells Moxing's reader to rebuild the {@link CharTokenizer}
 *       (other tools ignore keys outside their namespace).
 * </ul>
 * This was chosen over the alternatives because llama.cpp then encodes every text made of known
 * characters to the very ids Moxing does (a SentencePiece form would need scores and a space
 * prefix rule that a character vocabulary does not have, and adding the 256 byte tokens would
 * change the vocabulary size). What differs is only outside the vocabulary: Moxing maps an
 * unknown character to the unknown id (or refuses it), llama.cpp drops bytes it has no token for;
 * and llama.cpp takes id 11 as end-of-generation when a gpt2 vocabulary names no eos (run
 * llama-cli with --ignore-eos).
 */
public final class GgufCharVocabulary {
    /** The metadata key that marks a character vocabulary, and its value. */
    public static final String KEY = "moxing.tokenizer.model", VALUE = "char";
    private static final String P = GgufTokenizers.PREFIX;

    private GgufCharVocabulary() {
    }

    /** The metadata entries of {@code t}; throws naming a code point that has no UTF-8 form (a lone surrogate). */
    static Map<String, GgufValue> of(CharTokenizer t) {
        int n = t.vocabSize();
        String[] tokens = new String[n];
        int[] types = new int[n];
        for (int id = 0; id < n; id++) {
            tokens[id] = Gpt2Bytes.encode(utf8(t.codePoint(id), id));
            types[id] = TokenType.NORMAL.ggufCode();
        }
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put(P + "model", GgufValue.of("gpt2"));
        m.put(P + "pre", GgufValue.of("gpt-2"));
        m.put(P + "tokens", GgufValue.ofArray(GgufValue.Type.STRING, tokens));
        m.put(P + "token_type", GgufValue.ofArray(GgufValue.Type.INT32, types));
        m.put(P + "merges", GgufValue.ofArray(GgufValue.Type.STRING, merges(tokens).toArray(String[]::new)));
        if (t.unknownId().isPresent()) m.put(P + "unknown_token_id", GgufValue.ofUint32(t.unknownId().getAsInt()));
        m.put(P + "add_bos_token", GgufValue.ofBool(false));
        m.put(P + "add_eos_token", GgufValue.ofBool(false));
        m.put(KEY, GgufValue.of(VALUE));
        return m;
    }

    /**
     * The tokenizer that metadata written by {@link #of} describes. Throws (an
     * IllegalArgumentException naming the key and entry) when a token is not one character, the
     * characters are not in ascending order (their ids would change), a token is not NORMAL, or
     * the merges are not the ones the characters imply (llama.cpp would then encode differently).
     */
    static CharTokenizer fromGguf(String[] tokens, TokenType[] types, String[] merges, int unknownId, boolean addBos) {
        if (tokens.length == 0) throw new IllegalArgumentException("key '" + P + "tokens' is empty");
        int[] cps = new int[tokens.length];
        for (int id = 0; id < tokens.length; id++) {
            cps[id] = codePoint(tokens[id], id);
            if (id > 0 && cps[id] <= cps[id - 1]) {
                throw new IllegalArgumentException(String.format("key '%stokens'[%d] is U+%04X, not after U+%04X: a character "
                        + "vocabulary lists its characters in ascending order", P, id, cps[id], cps[id - 1]));
            }
            if (types[id] != TokenType.NORMAL) {
                throw new IllegalArgumentException("key '" + P + "token_type'[" + id + "] is " + types[id]
                        + ": every token of a character vocabulary is NORMAL");
            }
        }
        List<String> expected = merges(tokens);
        if (!expected.equals(Arrays.asList(merges))) {
            throw new IllegalArgumentException("key '" + P + "merges' has " + merges.length + " entries that are not the "
                    + expected.size() + " merges that rebuild the multi-byte characters (first: " + firstDifference(expected, merges) + ")");
        }
        if (addBos) throw new IllegalArgumentException("key '" + P + "add_bos_token' is true, but a character vocabulary has no bos token");
        CharTokenizer t = CharTokenizer.of(cps);
        return unknownId < 0 ? t : t.withUnknownId(unknownId);
    }

    /** For each character of two or more bytes, "prefix byte" merges in order, each pair once. */
    private static List<String> merges(String[] tokens) {
        Set<String> merges = new LinkedHashSet<>();
        for (String token : tokens) {
            for (int k = 2; k <= token.length(); k++) merges.add(token.substring(0, k - 1) + " " + token.charAt(k - 1));
        }
        return new ArrayList<>(merges);
    }

    private static String firstDifference(List<String> expected, String[] merges) {
        for (int i = 0; i < Math.max(expected.size(), merges.length); i++) {
            String want = i < expected.size() ? expected.get(i) : "(none)", got = i < merges.length ? merges[i] : "(none)";
            if (!want.equals(got)) return "[" + i + "] is \"" + got + "\", expected \"" + want + "\"";
        }
        return "none";
    }

    private static byte[] utf8(int cp, int id) {
        if (Character.getType(cp) == Character.SURROGATE) {
            throw new IllegalArgumentException(String.format("character %d of the vocabulary is U+%04X, a lone surrogate, "
                    + "which has no UTF-8 form", id, cp));
        }
        return Character.toString(cp).getBytes(StandardCharsets.UTF_8);
    }

    /** The one character a token stands for; throws naming the entry otherwise. */
    private static int codePoint(String token, int id) {
        byte[] bytes = Gpt2Bytes.decode(token);
        String text = null;
        if (bytes != null) {
            try {
                text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                text = null;
            }
        }
        if (text == null || text.codePointCount(0, text.length()) != 1) {
            throw new IllegalArgumentException("key '" + P + "tokens'[" + id + "] \"" + token
                    + "\" is not one character in GPT-2's byte alphabet, as every token of a character vocabulary is");
        }
        return text.codePointAt(0);
    }
}
