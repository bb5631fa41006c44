package dev.moxing.tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;

/**
 * GPT-2's byte-level byte-pair encoding.
 *
 * <p>Text is cut at special tokens (when {@linkplain #withSpecialTokensInText enabled}), split
 * into pieces by {@link Gpt2PreTokenizer}, and each piece's UTF-8 bytes start as one token per
 * byte; then adjacent tokens are merged by the rules in rank order: always the lowest-ranked pair
 * present, leftmost first. Since every byte has a token, any string encodes, and decoding
 * concatenates the tokens' bytes. (Unpaired surrogates have no UTF-8 form and encode as '?'.)
 *
 * <p>Token ids: whatever the vocabulary file says for GPT-2 ({@link #loadGpt2}); for a
 * {@linkplain #train trained} vocabulary, the byte values 0–255, then one id per merge in rank
 * order, then the special tokens.
 *
 * <p>Pieces repeat a lot in natural text, so encoded pieces are cached (bounded; safe to share).
 */
public final class ByteLevelBpe implements Tokenizer {

    /** GPT-2's document separator, id 50256 in its vocabulary. */
    public static final String END_OF_TEXT = "<|endoftext|>";

    private static final int CACHE_LIMIT = 1 << 17;
    private static final int CACHED_PIECE_MAX_CHARS = 64;

    private final String[] tokens;      // by id, in GPT-2's byte alphabet; specials as their text
    private final byte[][] tokenBytes;  // by id, what decoding emits
    private final int[] byteIds;        // the token of each single byte
    private final int[] mergeLeft, mergeRight, mergeResult; // by rank
    private final MergeTable merges;
    private final Map<String, Integer> specials;
    private final int[] specialIds;     // in the order of specials' keys, which is the matcher's list
    private final SpecialTokenMatcher specialMatcher;
    private final boolean specialsInText;
    private final Options options;
    private final SpecialTokenMatcher userMatcher; // options.userDefined: matched even when specials are not
    private final int[] userIds;
    private final TokenIndex wholePieces;          // options.ignoreMerges: pieces that are tokens skip merging
    private final Map<String, int[]> cache;

    /**
     * What vocabularies from GGUF and Hugging Face add to GPT-2's: the splitting rule; Llama 3's
     * {@code ignore_merges} (a piece that is itself a token is not merged up from bytes); added
     * tokens that are text ({@code userDefined}: always recognised, unlike the other specials);
     * and the ids generation needs.
     */
    record Options(BpePreTokenizer preTokenizer, boolean ignoreMerges, List<String> userDefined, SpecialIds ids) {
        static final Options GPT2 = new Options(BpePreTokenizer.GPT2, false, List.of(), SpecialIds.NONE);

        Options {
            userDefined = List.copyOf(userDefined);
        }
    }

    private ByteLevelBpe(String[] tokens, int[] mergeLeft, int[] mergeRight, int[] mergeResult,
                         Map<String, Integer> specials, boolean specialsInText, Options options) {
        int n = tokens.length;
        this.options = options;
        this.tokens = tokens;
        this.mergeLeft = mergeLeft;
        this.mergeRight = mergeRight;
        this.mergeResult = mergeResult;
        this.specialsInText = specialsInText;
        this.cache = new ConcurrentHashMap<>();

        boolean[] special = new boolean[n];
        this.specials = Collections.unmodifiableMap(new LinkedHashMap<>(specials));
        this.specialIds = new int[specials.size()];
        int k = 0;
        for (Map.Entry<String, Integer> e : specials.entrySet()) {
            int id = e.getValue();
            if (id < 0 || id >= n || !e.getKey().equals(tokens[id])) {
                throw new IllegalArgumentException("special token " + e.getKey() + " has id " + id
                        + ", which is not that token in the vocabulary");
            }
            special[id] = true;
            specialIds[k++] = id;
        }
        this.specialMatcher = new SpecialTokenMatcher(new ArrayList<>(specials.keySet()));

        this.tokenBytes = new byte[n][];
        this.byteIds = new int[256];
        Arrays.fill(byteIds, -1);
        for (int id = 0; id < n; id++) {
            if (special[id]) {
                tokenBytes[id] = tokens[id].getBytes(StandardCharsets.UTF_8);
                continue;
            }
            tokenBytes[id] = Gpt2Bytes.decode(tokens[id]);
            if (tokenBytes[id] == null || tokenBytes[id].length == 0) {
                throw new IllegalArgumentException("token " + id + " \"" + tokens[id]
                        + "\" is not a string of GPT-2's byte alphabet, nor a special token");
            }
            if (tokenBytes[id].length == 1) {
                int b = tokenBytes[id][0] & 0xFF;
                if (byteIds[b] >= 0) throw new IllegalArgumentException("byte 0x" + Integer.toHexString(b)
                        + " has two tokens: " + byteIds[b] + " and " + id);
                byteIds[b] = id;
            }
        }
        for (int b = 0; b < 256; b++) {
            if (byteIds[b] < 0) throw new IllegalArgumentException(String.format(
                    "the vocabulary has no token for byte 0x%02x, so some text could not be encoded", b));
        }
        for (int r = 0; r < mergeLeft.length; r++) {
            int a = mergeLeft[r], b = mergeRight[r], c = mergeResult[r];
            if (special[a] || special[b] || special[c]
                    || !Arrays.equals(tokenBytes[c], concat(tokenBytes[a], tokenBytes[b]))) {
                throw new IllegalArgumentException("merge " + r + " (" + tokens[a] + " " + tokens[b]
                        + " -> " + tokens[c] + ") does not join two ordinary tokens into their concatenation");
            }
        }
        this.merges = new MergeTable(mergeLeft, mergeRight, mergeResult);
        options.ids().check(n);
        this.userIds = new int[options.userDefined().size()];
        for (int i = 0; i < userIds.length; i++) {
            Integer id = specials.get(options.userDefined().get(i));
            if (id == null) {
                throw new IllegalArgumentException("user-defined token \"" + options.userDefined().get(i) + "\" is not a special token");
            }
            userIds[i] = id;
        }
        this.userMatcher = new SpecialTokenMatcher(options.userDefined());
        this.wholePieces = options.ignoreMerges() ? new TokenIndex(tokens, notSpecial(special)) : null;
    }

    private static boolean[] notSpecial(boolean[] special) {
        boolean[] b = new boolean[special.length];
        for (int i = 0; i < b.length; i++) b[i] = !special[i];
        return b;
    }

    /** The same vocabulary and cache, recognising special tokens in text or not. */
    private ByteLevelBpe(ByteLevelBpe base, boolean specialsInText) {
        this.tokens = base.tokens;
        this.tokenBytes = base.tokenBytes;
        this.byteIds = base.byteIds;
        this.mergeLeft = base.mergeLeft;
        this.mergeRight = base.mergeRight;
        this.mergeResult = base.mergeResult;
        this.merges = base.merges;
        this.specials = base.specials;
        this.specialIds = base.specialIds;
        this.specialMatcher = base.specialMatcher;
        this.cache = base.cache;
        this.specialsInText = specialsInText;
        this.options = base.options;
        this.userMatcher = base.userMatcher;
        this.userIds = base.userIds;
        this.wholePieces = base.wholePieces;
    }

    // ---- construction -------------------------------------------------------------------------

    /**
     * OpenAI's GPT-2 vocabulary: {@code encoder.json} (token → id) and {@code vocab.bpe} (merges in
     * rank order). Tokens that are neither a byte nor made by a merge, i.e. {@code <|endoftext|>},
     * become special tokens, not recognised in text until {@link #withSpecialTokensInText}.
     */
    public static ByteLevelBpe loadGpt2(Path encoderJson, Path vocabBpe) throws IOException {
        return Gpt2VocabFiles.read(encoderJson, vocabBpe);
    }

    /**
     * Learns a vocabulary of exactly {@code vocabSize} tokens from {@code corpus}: the 256 bytes,
     * then {@code vocabSize - 256} merges. Throws if the corpus has too few distinct pairs.
     */
    public static ByteLevelBpe train(String corpus, int vocabSize) {
        return train(corpus, vocabSize, List.of());
    }

    /**
     * As {@link #train(String, int)}, with special tokens given the last ids (they count in
     * {@code vocabSize}). Their occurrences in the corpus are cut out before counting, and the
     * result recognises them in text.
     */
    public static ByteLevelBpe train(String corpus, int vocabSize, List<String> specialTokens) {
        if (specialTokens.stream().distinct().count() != specialTokens.size()) {
            throw new IllegalArgumentException("special tokens repeat: " + specialTokens);
        }
        int mergeCount = vocabSize - 256 - specialTokens.size();
        if (mergeCount < 0) {
            throw new IllegalArgumentException("a byte-level vocabulary needs at least 256 + "
                    + specialTokens.size() + " special tokens; asked for " + vocabSize);
        }
        BpeTrainer.Merges learned = BpeTrainer.train(corpus, mergeCount, specialTokens);
        String[] tokens = new String[vocabSize];
        for (int b = 0; b < 256; b++) tokens[b] = String.valueOf(Gpt2Bytes.toChar(b));
        int[] result = new int[mergeCount];
        for (int r = 0; r < mergeCount; r++) {
            result[r] = 256 + r;
            tokens[256 + r] = tokens[learned.left()[r]] + tokens[learned.right()[r]];
        }
        Map<String, Integer> specials = new LinkedHashMap<>();
        for (int i = 0; i < specialTokens.size(); i++) {
            tokens[256 + mergeCount + i] = specialTokens.get(i);
            specials.put(specialTokens.get(i), 256 + mergeCount + i);
        }
        return new ByteLevelBpe(tokens, learned.left(), learned.right(), result, specials, !specials.isEmpty(), Options.GPT2);
    }

    /**
     * A vocabulary from its parts: tokens by id in GPT-2's byte alphabet, merges as "left right"
     * in rank order, and which ids are special tokens.
     */
    static ByteLevelBpe fromTokens(String[] tokens, List<String> mergeLines,
                                   Map<String, Integer> specials, boolean specialsInText) {
        return fromTokens(tokens, mergeLines, specials, specialsInText, Options.GPT2);
    }

    static ByteLevelBpe fromTokens(String[] tokens, List<String> mergeLines,
                                   Map<String, Integer> specials, boolean specialsInText, Options options) {
        Map<String, Integer> ids = new HashMap<>(tokens.length * 2);
        for (int id = 0; id < tokens.length; id++) {
            if (tokens[id] == null) throw new IllegalArgumentException("no token has id " + id);
            if (specials.containsKey(tokens[id]) && specials.get(tokens[id]) == id) continue;
            Integer previous = ids.put(tokens[id], id);
            if (previous != null) {
                throw new IllegalArgumentException("token \"" + tokens[id] + "\" has two ids: " + previous + " and " + id);
            }
        }
        int m = mergeLines.size();
        int[] left = new int[m], right = new int[m], result = new int[m];
        for (int r = 0; r < m; r++) {
            String line = mergeLines.get(r);
            int space = line.indexOf(' ');
            if (space <= 0 || space == line.length() - 1 || line.indexOf(' ', space + 1) >= 0) {
                throw new IllegalArgumentException("merge " + r + " \"" + line + "\" is not \"left right\"");
            }
            String a = line.substring(0, space), b = line.substring(space + 1);
            left[r] = idOf(ids, a, r, line);
            right[r] = idOf(ids, b, r, line);
            result[r] = idOf(ids, a + b, r, line);
        }
        return new ByteLevelBpe(tokens, left, right, result, specials, specialsInText, options);
    }

    private static int idOf(Map<String, Integer> ids, String token, int rank, String line) {
        Integer id = ids.get(token);
        if (id == null) {
            throw new IllegalArgumentException("merge " + rank + " \"" + line + "\" needs token \""
                    + token + "\", which is not in the vocabulary");
        }
        return id;
    }

    static ByteLevelBpe fromFile(TokenizerFile.BpeFile file) {
        BpePreTokenizer pre = BpePreTokenizer.ofId(file.preTokenizer());
        if (file.vocab() == null || file.merges() == null) throw new IllegalArgumentException("vocab or merges missing");
        Options options = new Options(pre, Boolean.TRUE.equals(file.ignoreMerges()),
                file.userDefinedTokens() == null ? List.of() : file.userDefinedTokens(),
                file.ids() == null ? SpecialIds.NONE : file.ids());
        return fromTokens(file.vocab().toArray(String[]::new), file.merges(),
                file.specialTokens() == null ? Map.of() : file.specialTokens(), file.specialTokensInText(), options);
    }

    /** The splitting rule, Llama 3's ignore_merges, user-defined tokens and generation ids. */
    Options options() {
        return options;
    }

    public BpePreTokenizer preTokenizer() {
        return options.preTokenizer();
    }

    @Override
    public OptionalInt bosId() {
        return options.ids().bosId();
    }

    @Override
    public int[] eosIds() {
        return options.ids().stop().clone();
    }

    @Override
    public boolean addsBos() {
        return options.ids().addBos();
    }

    @Override
    public String tokenText(int id) {
        if (id < 0 || id >= tokens.length) throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + tokens.length + ")");
        return tokens[id];
    }

    /** This vocabulary, recognising its special tokens in the text given to {@link #encode(String)} or not. */
    public ByteLevelBpe withSpecialTokensInText(boolean recognise) {
        return recognise == specialsInText ? this : new ByteLevelBpe(this, recognise);
    }

    // ---- encoding -----------------------------------------------------------------------------

    @Override
    public int[] encode(String text) {
        return encode(text, specialsInText);
    }

    @Override
    public int[] encodeWithSpecialTokens(String text) {
        return encode(text, true);
    }

    /** Encodes {@code text}, turning occurrences of special tokens into their ids only if asked. */
    public int[] encode(String text, boolean recogniseSpecialTokens) {
        IntBuffer out = new IntBuffer(text.length() / 3 + 16);
        BpePreTokenizer pre = options.preTokenizer();
        Gpt2PreTokenizer.PieceSink pieces = (s, e) -> encodePiece(text, s, e, out);
        SpecialTokenMatcher matcher = recogniseSpecialTokens ? specialMatcher : userMatcher;
        int[] ids = recogniseSpecialTokens ? specialIds : userIds;
        if (matcher.isEmpty()) {
            pre.split(text, 0, text.length(), pieces);
        } else {
            matcher.split(text, (start, end, special) -> {
                if (special >= 0) out.add(ids[special]);
                else pre.split(text, start, end, pieces);
            });
        }
        return out.toArray();
    }

    private void encodePiece(String text, int start, int end, IntBuffer out) {
        if (end - start == 1 && text.charAt(start) < 128) { // one ASCII byte: nothing to merge
            out.add(byteIds[text.charAt(start)]);
            return;
        }
        String piece = text.substring(start, end);
        if (piece.length() > CACHED_PIECE_MAX_CHARS) {
            out.addAll(mergePiece(piece));
            return;
        }
        int[] ids = cache.get(piece);
        if (ids == null) {
            ids = mergePiece(piece);
            if (cache.size() >= CACHE_LIMIT) cache.clear(); // crude, but bounds memory on endless input
            cache.put(piece, ids);
        }
        out.addAll(ids);
    }

    private int[] mergePiece(String piece) {
        byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
        if (wholePieces != null) {
            int id = wholePieces.find(Gpt2Bytes.encode(bytes));
            if (id >= 0) return new int[] {id};
        }
        int[] symbols = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) symbols[i] = byteIds[bytes[i] & 0xFF];
        return merges.apply(symbols);
    }

    // ---- decoding -----------------------------------------------------------------------------

    /** Decodes to text; byte sequences that are not valid UTF-8 (a cut-off character) become U+FFFD. */
    @Override
    public String decode(int[] ids) {
        return new String(decodeBytes(ids), StandardCharsets.UTF_8);
    }

    /** The raw bytes of a sequence of tokens; for streaming, where a character may span tokens. */
    @Override
    public byte[] decodeBytes(int[] ids) {
        int size = 0;
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= tokens.length) {
                throw new IllegalArgumentException("token id " + ids[i] + " at position " + i
                        + " is outside the vocabulary [0, " + tokens.length + ")");
            }
            size += tokenBytes[ids[i]].length;
        }
        byte[] out = new byte[size];
        int pos = 0;
        for (int id : ids) {
            System.arraycopy(tokenBytes[id], 0, out, pos, tokenBytes[id].length);
            pos += tokenBytes[id].length;
        }
        return out;
    }

    // ---- the vocabulary -----------------------------------------------------------------------

    @Override
    public int vocabSize() {
        return tokens.length;
    }

    /** Number of merge rules. */
    public int mergeCount() {
        return mergeLeft.length;
    }

    /** A token as written in vocabulary files: GPT-2's byte alphabet (a space is "Ġ"), or a special's text. */
    public String token(int id) {
        return tokens[id];
    }

    /** The bytes a token decodes to. */
    @Override
    public byte[] tokenBytes(int id) {
        return tokenBytes[id].clone();
    }

    /** Special tokens and their ids, in the order they were defined. */
    public Map<String, Integer> specialTokens() {
        return specials;
    }

    public OptionalInt specialTokenId(String token) {
        Integer id = specials.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** Whether {@link #encode(String)} turns special tokens' text into their ids. */
    public boolean specialTokensInText() {
        return specialsInText;
    }

    /** Merge {@code rank} as a "left right" line of {@code vocab.bpe}. */
    String mergeLine(int rank) {
        return tokens[mergeLeft[rank]] + " " + tokens[mergeRight[rank]];
    }

    // ---- files --------------------------------------------------------------------------------

    /** Writes one JSON file ({@link TokenizerFile.BpeFile}: vocab, merges, special tokens). */
    @Override
    public void save(Path path) throws IOException {
        List<String> mergeLines = new ArrayList<>(mergeCount());
        for (int r = 0; r < mergeCount(); r++) mergeLines.add(mergeLine(r));
        TokenizerFile.writeJson(path, new TokenizerFile.BpeFile(TokenizerFile.FORMAT,
                TokenizerFile.BpeFile.TYPE, TokenizerFile.VERSION, options.preTokenizer().id(),
                specialsInText, Arrays.asList(tokens), mergeLines, specials,
                options.ignoreMerges() ? Boolean.TRUE : null,
                options.userDefined().isEmpty() ? null : options.userDefined(),
                options.ids().equals(SpecialIds.NONE) ? null : options.ids()));
    }

    /** Writes OpenAI's pair of files, {@code encoder.json} and {@code vocab.bpe}, into {@code directory}. */
    public void saveGpt2(Path directory) throws IOException {
        Gpt2VocabFiles.write(this, directory);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ByteLevelBpe t && specialsInText == t.specialsInText
                && Arrays.equals(tokens, t.tokens) && Arrays.equals(mergeLeft, t.mergeLeft)
                && Arrays.equals(mergeRight, t.mergeRight) && Arrays.equals(mergeResult, t.mergeResult)
                && specials.equals(t.specials) && options.equals(t.options);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(tokens) * 31 + Arrays.hashCode(mergeLeft);
    }

    @Override
    public String toString() {
        return "ByteLevelBpe[" + tokens.length + " tokens, " + mergeLeft.length + " merges, specials "
                + specials + (specialsInText ? " recognised in text" : "") + "]";
    }
}
