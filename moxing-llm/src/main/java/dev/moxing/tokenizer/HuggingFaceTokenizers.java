package dev.moxing.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Hugging Face {@code tokenizer.json} (with {@code tokenizer_config.json} beside it for bos/eos and
 * add_bos/add_eos), loaded into this package's classes:
 * <ul>
 *   <li>{@code "BPE"} with a {@code ByteLevel} pre-tokenizer (GPT-2, Llama 3, Qwen 2): {@link ByteLevelBpe},
 *       the splitting rule recognised from the {@code Split} pattern;
 *   <li>{@code "BPE"} over {@code ▁} text with byte fallback (Llama 2, TinyLlama, Mistral: a
 *       normalizer that prepends {@code ▁} and replaces spaces, or a {@code Metaspace}
 *       pre-tokenizer that does not split): {@link SentencePieceBpe}, merging by rule rank;
 *   <li>{@code "WordPiece"} with a {@code BertNormalizer}: {@link WordPiece}, its {@code ##}
 *       continuations respelled the GGUF way.
 * </ul>
 * Added tokens marked special become control tokens, the others user-defined; their
 * lstrip/rstrip/single_word flags are not implemented. Anything else (Unigram, WordLevel, other
 * normalizers) is an {@link IOException} naming the file and what is unsupported.
 */
final class HuggingFaceTokenizers {

    private HuggingFaceTokenizers() {}

    static Tokenizer load(Path file, JsonNode root) throws IOException {
        try {
            return build(file, root, config(file.resolveSibling("tokenizer_config.json")));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    private static JsonNode config(Path file) throws IOException {
        return Files.isRegularFile(file) ? TokenizerFile.JSON.readTree(file.toFile()) : TokenizerFile.JSON.createObjectNode();
    }

    private static Tokenizer build(Path file, JsonNode root, JsonNode config) throws IOException {
        JsonNode model = root.path("model");
        String type = model.path("type").asText("");
        Map<String, Integer> vocab = new LinkedHashMap<>();
        model.path("vocab").properties().forEach(e -> vocab.put(e.getKey(), e.getValue().asInt()));
        if (vocab.isEmpty()) throw new IllegalArgumentException("model.vocab is missing or empty");
        List<Added> added = new ArrayList<>();
        for (JsonNode a : root.path("added_tokens")) {
            added.add(new Added(a.path("id").asInt(-1), a.path("content").asText(""), a.path("special").asBoolean(false)));
        }
        String[] tokens = tokensById(vocab, added);
        return switch (type) {
            case "BPE" -> isByteLevel(root.path("pre_tokenizer")) ? byteLevel(root, model, tokens, added, config)
                    : sentencePiece(root, model, tokens, added, config);
            case "WordPiece" -> wordPiece(root, model, tokens, added, config);
            default -> throw new IllegalArgumentException("model.type \"" + type + "\" is not supported (known: BPE, WordPiece)");
        };
    }

    private record Added(int id, String content, boolean special) {}

    private static String[] tokensById(Map<String, Integer> vocab, List<Added> added) {
        int n = 0;
        for (int id : vocab.values()) n = Math.max(n, id + 1);
        for (Added a : added) n = Math.max(n, a.id + 1);
        String[] tokens = new String[n];
        vocab.forEach((t, id) -> put(tokens, id, t));
        for (Added a : added) if (tokens[a.id] == null || !tokens[a.id].equals(a.content)) put(tokens, a.id, a.content);
        for (int id = 0; id < n; id++) if (tokens[id] == null) throw new IllegalArgumentException("no token has id " + id);
        return tokens;
    }

    private static void put(String[] tokens, int id, String t) {
        if (id < 0) throw new IllegalArgumentException("token \"" + t + "\" has id " + id);
        if (tokens[id] != null) throw new IllegalArgumentException("id " + id + " is both \"" + tokens[id] + "\" and \"" + t + "\"");
        tokens[id] = t;
    }

    private static boolean isByteLevel(JsonNode pre) {
        if ("ByteLevel".equals(pre.path("type").asText())) return true;
        for (JsonNode p : pre.path("pretokenizers")) if ("ByteLevel".equals(p.path("type").asText())) return true;
        return false;
    }

    private static List<String> mergeLines(JsonNode model) {
        List<String> lines = new ArrayList<>();
        for (JsonNode m : model.path("merges")) {
            lines.add(m.isArray() ? m.get(0).asText() + " " + m.get(1).asText() : m.asText());
        }
        return lines;
    }

    // ---- the three kinds ----------------------------------------------------------------------

    private static ByteLevelBpe byteLevel(JsonNode root, JsonNode model, String[] tokens, List<Added> added, JsonNode config) {
        BpePreTokenizer pre = null;
        JsonNode p = root.path("pre_tokenizer");
        if ("ByteLevel".equals(p.path("type").asText())) {
            if (p.path("use_regex").asBoolean(true)) pre = BpePreTokenizer.GPT2;
        } else {
            for (JsonNode step : p.path("pretokenizers")) {
                if ("Split".equals(step.path("type").asText())) pre = BpePreTokenizer.ofPattern(step.path("pattern").path("Regex").asText(""));
            }
        }
        if (pre == null) throw new IllegalArgumentException("the pre-tokenizer " + p + " is not one of GPT-2's, Llama 3's or Qwen 2's");
        Map<String, Integer> specials = new LinkedHashMap<>();
        List<String> userDefined = new ArrayList<>();
        for (Added a : added) {
            specials.put(a.content, a.id);
            if (!a.special) userDefined.add(a.content);
        }
        SpecialIds ids = ids(tokens, added, config, false);
        ByteLevelBpe.Options options = new ByteLevelBpe.Options(pre, model.path("ignore_merges").asBoolean(false), userDefined, ids);
        return ByteLevelBpe.fromTokens(tokens, mergeLines(model), specials, false, options);
    }

    private static SentencePieceBpe sentencePiece(JsonNode root, JsonNode model, String[] tokens, List<Added> added, JsonNode config) {
        boolean prefix = false, replacesSpaces = false;
        JsonNode norm = root.path("normalizer");
        List<JsonNode> steps = new ArrayList<>();
        if ("Sequence".equals(norm.path("type").asText())) norm.path("normalizers").forEach(steps::add);
        else if (!norm.isMissingNode() && !norm.isNull()) steps.add(norm);
        for (JsonNode s : steps) {
            switch (s.path("type").asText()) {
                case "Prepend" -> prefix = "\u2581".equals(s.path("prepend").asText());
                case "Replace" -> replacesSpaces = " ".equals(s.path("pattern").path("String").asText())
                        && "\u2581".equals(s.path("content").asText());
                default -> throw new IllegalArgumentException("normalizer " + s.path("type").asText() + " is not supported");
            }
        }
        JsonNode pre = root.path("pre_tokenizer");
        if ("Metaspace".equals(pre.path("type").asText())) {
            if (pre.path("split").asBoolean(true)) {
                throw new IllegalArgumentException("a Metaspace pre-tokenizer that splits at spaces is not supported");
            }
            replacesSpaces = true;
            prefix = !"never".equals(pre.path("prepend_scheme").asText("always")) && pre.path("add_prefix_space").asBoolean(true);
        } else if (!pre.isMissingNode() && !pre.isNull()) {
            throw new IllegalArgumentException("pre_tokenizer " + pre.path("type").asText() + " is not supported for ▁-style BPE");
        }
        if (!replacesSpaces) throw new IllegalArgumentException("a BPE model that is neither byte-level nor replaces spaces with ▁");
        TokenType[] types = new TokenType[tokens.length];
        String unk = model.path("unk_token").asText(null);
        for (int id = 0; id < tokens.length; id++) {
            types[id] = Vocabulary.parseByteToken(tokens[id]) >= 0 ? TokenType.BYTE
                    : tokens[id].equals(unk) ? TokenType.UNKNOWN : TokenType.NORMAL;
        }
        for (Added a : added) {
            if (types[a.id] == TokenType.UNKNOWN) continue;
            types[a.id] = a.special ? TokenType.CONTROL : TokenType.USER_DEFINED;
        }
        Vocabulary v = new Vocabulary(tokens, new float[tokens.length], types, ids(tokens, added, config, true));
        return SentencePieceBpe.withMerges(v, prefix, mergeLines(model));
    }

    private static WordPiece wordPiece(JsonNode root, JsonNode model, String[] tokens, List<Added> added, JsonNode config) {
        String continuation = model.path("continuing_subword_prefix").asText("##");
        Map<Integer, Boolean> special = new HashMap<>();
        for (Added a : added) special.put(a.id, a.special);
        String[] spelled = new String[tokens.length];
        TokenType[] types = new TokenType[tokens.length];
        for (int id = 0; id < tokens.length; id++) {
            String t = tokens[id];
            boolean isAdded = special.containsKey(id);
            types[id] = isAdded ? (special.get(id) ? TokenType.CONTROL : TokenType.USER_DEFINED) : TokenType.NORMAL;
            if (isAdded || (t.startsWith("[") && t.endsWith("]"))) spelled[id] = t;
            else if (t.startsWith(continuation) && t.length() > continuation.length()) spelled[id] = t.substring(continuation.length());
            else spelled[id] = SentencePieceBpe.SPACE_MARK + t;
        }
        JsonNode norm = root.path("normalizer");
        boolean lowercase = norm.path("lowercase").asBoolean(true);
        JsonNode strip = norm.path("strip_accents");
        boolean stripAccents = strip.isBoolean() ? strip.asBoolean() : lowercase;
        SpecialIds ids = ids(tokens, added, config, false);
        int unk = indexOf(tokens, model.path("unk_token").asText("[UNK]"));
        int cls = indexOf(tokens, "[CLS]"), sep = indexOf(tokens, "[SEP]");
        ids = new SpecialIds(ids.bos() >= 0 ? ids.bos() : cls, ids.eos() >= 0 ? ids.eos() : sep, unk, ids.pad(),
                ids.stop().length > 0 ? ids.stop() : sep >= 0 ? new int[] {sep} : new int[0], cls >= 0, false);
        return new WordPiece(new Vocabulary(spelled, new float[tokens.length], types, ids), lowercase, stripAccents);
    }

    // ---- special ids ----------------------------------------------------------------------------

    /** bos/eos/unk/pad from tokenizer_config.json; add_bos defaults to true for ▁-style models that have a bos. */
    private static SpecialIds ids(String[] tokens, List<Added> added, JsonNode config, boolean sentencePiece) {
        int bos = configToken(tokens, config, "bos_token"), eos = configToken(tokens, config, "eos_token");
        int unk = configToken(tokens, config, "unk_token"), pad = configToken(tokens, config, "pad_token");
        if (sentencePiece && bos < 0) bos = indexOf(tokens, "<s>");
        if (sentencePiece && eos < 0) eos = indexOf(tokens, "</s>");
        if (sentencePiece && unk < 0) unk = indexOf(tokens, "<unk>");
        Set<Integer> stop = new LinkedHashSet<>();
        if (eos >= 0) stop.add(eos);
        for (Added a : added) if (GgufTokenizers.END_OF_TURN.contains(a.content)) stop.add(a.id);
        boolean addBos = config.path("add_bos_token").asBoolean(sentencePiece && bos >= 0);
        boolean addEos = config.path("add_eos_token").asBoolean(false);
        if (addBos && bos < 0) throw new IllegalArgumentException("add_bos_token is true but there is no bos_token");
        if (addEos && eos < 0) throw new IllegalArgumentException("add_eos_token is true but there is no eos_token");
        return new SpecialIds(bos, eos, unk, pad, stop.stream().mapToInt(Integer::intValue).toArray(), addBos, addEos);
    }

    private static int configToken(String[] tokens, JsonNode config, String key) {
        JsonNode v = config.path(key);
        String text = v.isTextual() ? v.asText() : v.path("content").asText(null);
        if (text == null) return -1;
        int id = indexOf(tokens, text);
        if (id < 0) throw new IllegalArgumentException("tokenizer_config.json: " + key + " \"" + text + "\" is not in the vocabulary");
        return id;
    }

    private static int indexOf(String[] tokens, String t) {
        for (int i = 0; i < tokens.length; i++) if (tokens[i].equals(t)) return i;
        return -1;
    }
}
