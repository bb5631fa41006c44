package dev.moxing.llm;

import dev.moxing.llm.chat.ChatTemplate;
import dev.moxing.llm.chat.Message;
import dev.moxing.llm.eval.Perplexity;
import dev.moxing.llm.generate.Completion;
import dev.moxing.llm.generate.GenerateOptions;
import dev.moxing.llm.generate.Generator;
import dev.moxing.llm.model.KvCacheType;
import dev.moxing.gguf.GgufFile;
import dev.moxing.llm.format.GgufModel;
import dev.moxing.llm.format.HfModel;
import dev.moxing.llm.format.Llama2cCheckpoint;
import dev.moxing.llm.format.ModelFiles;
import dev.moxing.llm.model.Transformer;
import dev.moxing.llm.train.Checkpoint;
import dev.moxing.tokenizer.ByteLevelBpe;
import dev.moxing.tokenizer.CharTokenizer;
import dev.moxing.tokenizer.GgufTokenizers;
import dev.moxing.tokenizer.Llama2cTokenizer;
import dev.moxing.tokenizer.Tokenizer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * A trained model and its tokenizer, ready to use: text in, text out.
 *
 * <pre>{@code
 * LanguageModel lm = LanguageModel.load(Path.of("runs/gpt"));
 * lm.generate("ROMEO:", new GenerateOptions(500, 0.8f, 40, 1f, 1f, 42, List.of()), System.out::print);
 * double ppl = lm.perplexity(text).perplexity();
 * }</pre>
 *
 * Generation may run past the model's context: when the window is full, the last half of it
 * becomes the prompt of a fresh pass (as nanoGPT crops its input), so long samples work with a
 * small-context model.
 */
public final class LanguageModel {
    private final Transformer model;
    private final Tokenizer tokenizer;
    private final Path dir;
    private final ChatTemplate chatTemplate; // null: the model carries none
    private final KvCacheType kvCache;

    private LanguageModel(Transformer model, Tokenizer tokenizer, Path dir, ChatTemplate chatTemplate) {
        this(model, tokenizer, dir, chatTemplate, KvCacheType.F32);
    }

    private LanguageModel(Transformer model, Tokenizer tokenizer, Path dir, ChatTemplate chatTemplate, KvCacheType kvCache) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.dir = dir;
        this.chatTemplate = chatTemplate;
        this.kvCache = kvCache;
        model.eval();
    }

    /**
     * Reads a model and its tokenizer from any supported source: a directory written by
     * {@code moxing train gpt}, a GGUF file (weights memory-mapped, tokenizer from its metadata),
     * a Hugging Face directory (config.json, safetensors, tokenizer.json) or a llama2.c
     * checkpoint (with {@code tokenizer.bin} or {@code tok<vocab>.bin} beside it).
     */
    public static LanguageModel load(Path path) throws IOException {
        return load(path, 0);
    }

    /**
     * As {@link #load(Path, int)}, generating (and scoring perplexity) with a KV cache that stores
     * keys and values as {@code kvCache}; throws if that type cannot hold the model's head dim.
     */
    public static LanguageModel load(Path path, int context, KvCacheType kvCache) throws IOException {
        return load(path, context).withKvCache(kvCache);
    }

    /** This model and tokenizer with a KV cache of {@code type} (the weights are shared, not copied). */
    public LanguageModel withKvCache(KvCacheType type) {
        try {
            type.checkHeadDim(model.config().headDim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException((dir == null ? "" : dir + ": ") + e.getMessage(), e);
        }
        return new LanguageModel(model, tokenizer, dir, chatTemplate, type);
    }

    /** The type the KV cache stores keys and values in (F32 unless chosen at load). */
    public KvCacheType kvCacheType() {
        return kvCache;
    }

    /** A generator with this model's cache type; {@code keep}: one that {@linkplain Generator#keepingCache keeps its cache}. */
    public Generator newGenerator(boolean keep) {
        return keep ? Generator.keepingCache(model, kvCache) : new Generator(model, kvCache);
    }

    /** As {@link #load(Path)}; {@code context} > 0 sets the context length (and KV cache size) where the format allows. */
    public static LanguageModel load(Path path, int context) throws IOException {
        return switch (ModelFiles.kind(path)) {
            case MOXING_CHECKPOINT -> {
                Checkpoint.Loaded loaded = Checkpoint.loadModel(path);
                yield new LanguageModel(loaded.model(), loaded.tokenizer(), path, null);
            }
            case GGUF -> {
                GgufFile f = GgufFile.open(path);
                Tokenizer t = GgufTokenizers.load(f);
                yield checked(GgufModel.load(f, context), t, path, ChatTemplate.fromGguf(f, t).orElse(null));
            }
            case HUGGING_FACE -> checked(HfModel.load(path, context), Tokenizer.load(path), path,
                    ChatTemplate.fromHuggingFace(path).orElse(null));
            case LLAMA2C -> {
                Transformer m = Llama2cCheckpoint.load(path);
                yield checked(m, Llama2cTokenizer.load(llama2cTokenizer(path, m.config().vocabSize()), m.config().vocabSize()), path, null);
            }
        };
    }

    private static Path llama2cTokenizer(Path model, int vocab) throws IOException {
        Path dir = model.toAbsolutePath().getParent();
        for (String name : new String[] {"tokenizer.bin", "tok" + vocab + ".bin"}) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) return p;
        }
        throw new NoSuchFileException(model + ": a llama2.c checkpoint needs its tokenizer beside it (tokenizer.bin or tok"
                + vocab + ".bin in " + dir + ")");
    }

    private static LanguageModel checked(Transformer model, Tokenizer tokenizer, Path path, ChatTemplate chat) throws IOException {
        if (tokenizer.vocabSize() != model.config().vocabSize()) {
            throw new IOException(path + ": the tokenizer has " + tokenizer.vocabSize() + " tokens but the model's vocabulary is "
                    + model.config().vocabSize());
        }
        return new LanguageModel(model, tokenizer, path, chat);
    }

    /** A model in memory (e.g. one just trained). */
    public static LanguageModel of(Transformer model, Tokenizer tokenizer) {
        if (tokenizer.vocabSize() != model.config().vocabSize()) {
            throw new IllegalArgumentException("the tokenizer has " + tokenizer.vocabSize()
                    + " tokens but the model's vocabulary is " + model.config().vocabSize());
        }
        return new LanguageModel(model, tokenizer, null, null);
    }

    public Transformer model() {
        return model;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /**
     * Generates a continuation of {@code prompt}, passing text to {@code onText} as it is produced
     * (a byte-level model's partial UTF-8 characters are held back until complete; text that could
     * be the start of a stop string is held back until it is known not to be). Returns the whole
     * continuation, without the prompt and without the stop string that ended it.
     */
    public String generate(String prompt, GenerateOptions options, Consumer<String> onText) {
        return generate(prompt, options, onText, null);
    }

    /** As {@link #generate(String, GenerateOptions, Consumer)}, also passing each new token id to {@code onToken}. */
    public String generate(String prompt, GenerateOptions options, Consumer<String> onText, IntConsumer onToken) {
        int[] ids = encodePrompt(prompt);
        return run(ids, options, onText, onToken, newGenerator(false), tokenizer.decode(ids).isEmpty(), new int[0]).text();
    }

    /** As {@link #generate(String, GenerateOptions, Consumer)}, returning the tokens, their log-probabilities and why it stopped. */
    public Completion complete(String prompt, GenerateOptions options, Consumer<String> onText) {
        int[] ids = encodePrompt(prompt);
        return run(ids, options, onText, null, newGenerator(false), tokenizer.decode(ids).isEmpty(), new int[0]);
    }

    /**
     * The low-level form: continues {@code promptIds} exactly as given (no BOS is added) with a
     * generator of the caller's, e.g. {@link Generator#keepingCache} for a conversation that re-sends
     * its history. The continuation is decoded as a text of its own (SentencePiece drops the space
     * it prefixes to the first word), as a chat reply is.
     */
    public Completion complete(int[] promptIds, GenerateOptions options, Consumer<String> onText, IntConsumer onToken,
                               Generator generator) {
        if (promptIds.length == 0) throw new IllegalArgumentException("complete: the prompt needs at least one token");
        return run(promptIds, options, onText, onToken, generator, true, new int[0]);
    }

    private Completion run(int[] ids, GenerateOptions options, Consumer<String> onText, IntConsumer onToken,
                           Generator generator, boolean atStart, int[] moreStopTokens) {
        int context = model.config().contextLength();
        int[] stopTokens = concat(stopTokens(), moreStopTokens);
        TextStream stream = new TextStream(tokenizer, options.stop(), onText == null ? s -> { } : onText, atStart);
        int[] history = ids;
        float[] logprobs = new float[0];
        int remaining = options.maxTokens();
        boolean endToken = false;
        for (int pass = 0; remaining > 0 && !stream.stopped(); pass++) {
            // The first pass keeps as much prompt as fits; later passes keep half a window, leaving
            // the other half for new tokens, so re-reading the prefix costs at most one pass in two.
            int keep = Math.min(history.length, pass == 0 ? context - 1 : Math.max(1, context / 2));
            int from = history.length - keep;
            int[] window = Arrays.copyOfRange(history, from, history.length);
            int budget = Math.min(remaining, context - keep);
            GenerateOptions o = options.withMaxTokens(budget).withSeed(options.seed() + 0x9E3779B97F4A7C15L * pass);
            IntConsumer sink = onToken == null ? stream::accept : t -> {
                onToken.accept(t);
                stream.accept(t);
            };
            Generator.Result r = generator.run(window, Math.max(0, ids.length - from), o, stopTokens, sink, t -> stream.stopped());
            history = concat(history, r.tokens());
            logprobs = concat(logprobs, r.logprobs());
            remaining -= r.tokens().length;
            endToken = r.endToken();
            if (r.tokens().length < budget) break; // end-of-text or a stop string
        }
        String text = stream.finish();
        Completion.StopReason why = stream.stopped() ? Completion.StopReason.STOP_STRING
                : endToken ? Completion.StopReason.END_TOKEN : Completion.StopReason.LENGTH;
        return new Completion(Arrays.copyOfRange(history, ids.length, history.length), text, logprobs, why);
    }

    private static int[] concat(int[] a, int[] b) {
        int[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static float[] concat(float[] a, float[] b) {
        float[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    // ---- chat -----------------------------------------------------------------------------------

    /** Whether the model carries its own chat template (else {@link #chatTemplate} is the fallback format). */
    public boolean hasChatTemplate() {
        return chatTemplate != null;
    }

    /** The model's chat template, or {@link ChatTemplate#fallback} when it carries none. */
    public ChatTemplate chatTemplate() {
        return chatTemplate != null ? chatTemplate : ChatTemplate.fallback(tokenizer);
    }

    /**
     * The assistant's reply to a conversation: the messages rendered with {@link #chatTemplate}
     * (ending where the reply begins), generated until an end-of-sequence id, a turn marker of
     * the template (as text or as its special token) or one of {@code options.stop()}.
     */
    public Completion chat(List<Message> messages, GenerateOptions options, Consumer<String> onText) {
        return chat(messages, options, onText, newGenerator(false));
    }

    /** As {@link #chat(List, GenerateOptions, Consumer)} with the caller's generator, e.g. one that {@linkplain Generator#keepingCache keeps its cache}. */
    public Completion chat(List<Message> messages, GenerateOptions options, Consumer<String> onText, Generator generator) {
        ChatTemplate t = chatTemplate();
        List<String> stops = new ArrayList<>(options.stop());
        List<Integer> stopIds = new ArrayList<>();
        for (String s : t.stopStrings()) {
            if (!stops.contains(s)) stops.add(s);
            int[] ids = tokenizer.encodeWithSpecialTokens(s);
            if (ids.length == 1) stopIds.add(ids[0]); // a turn marker the model emits as one special token
        }
        return run(chatPrompt(messages), options.withStop(stops), onText, null, generator, true,
                stopIds.stream().mapToInt(Integer::intValue).toArray());
    }

    /**
     * The prompt ids of a conversation. Special-token text the template writes becomes those
     * tokens; BOS is added as {@link #generate} adds it, once: a template's own leading BOS text is
     * then dropped (as llama.cpp does).
     */
    public int[] chatPrompt(List<Message> messages) {
        ChatTemplate t = chatTemplate();
        String text = t.render(messages, true);
        boolean bos = tokenizer.addsBos() && tokenizer.bosId().isPresent();
        if (bos && !t.bosToken().isEmpty() && text.startsWith(t.bosToken())) text = text.substring(t.bosToken().length());
        int[] ids = tokenizer.encodeWithSpecialTokens(text);
        if (bos) ids = concat(new int[] {tokenizer.bosId().getAsInt()}, ids);
        return ids.length > 0 ? ids : encodePrompt("");
    }

    /** Mean NLL and perplexity of {@code text} (sliding window, stride half the context). */
    public Perplexity.Result perplexity(String text) {
        int context = model.config().contextLength();
        return perplexity(text, context, Math.max(1, context / 2));
    }

    /** As {@link #perplexity(String)} with a chosen window and stride. */
    public Perplexity.Result perplexity(String text, int context, int stride) {
        return Perplexity.of(model, tokenizer.encode(text), context, stride, kvCache);
    }

    /**
     * The prompt's ids. An empty prompt starts from the end-of-text token where the vocabulary has
     * one (GPT-2's convention for "a new document"), else from a newline, else from id 0.
     */
    private int[] encodePrompt(String prompt) {
        int[] ids;
        try {
            ids = prompt.isEmpty() ? new int[0] : tokenizer.encode(prompt);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the prompt cannot be encoded with this model's tokenizer: " + e.getMessage(), e);
        }
        if (tokenizer.addsBos() && tokenizer.bosId().isPresent()) {
            int[] withBos = new int[ids.length + 1];
            withBos[0] = tokenizer.bosId().getAsInt();
            System.arraycopy(ids, 0, withBos, 1, ids.length);
            return withBos;
        }
        if (ids.length > 0) return ids;
        if (tokenizer.bosId().isPresent()) return new int[] {tokenizer.bosId().getAsInt()};
        if (endOfText() >= 0) return new int[] {endOfText()};
        if (tokenizer instanceof CharTokenizer c && c.idOf('\n').isPresent()) return new int[] {c.idOf('\n').getAsInt()};
        int[] newline = tokenizer.encode("\n");
        return newline.length == 1 ? newline : new int[] {0};
    }

    /** The ids that end generation: the vocabulary's end-of-sequence/turn ids, or GPT-2's end-of-text. */
    private int[] stopTokens() {
        int[] eos = tokenizer.eosIds();
        if (eos.length > 0) return eos;
        return endOfText() >= 0 ? new int[] {endOfText()} : new int[0];
    }

    private int endOfText() {
        return tokenizer instanceof ByteLevelBpe b ? b.specialTokenId(ByteLevelBpe.END_OF_TEXT).orElse(-1) : -1;
    }

    @Override
    public String toString() {
        var c = model.config();
        return "LanguageModel[" + (dir == null ? "" : dir + ", ") + c.layers() + " layers, width " + c.width()
                + ", context " + c.contextLength() + ", " + tokenizer + "]";
    }

    /**
     * Turns generated ids into text for a consumer: decodes byte-level tokens to bytes and passes on
     * only complete UTF-8 characters, and watches for stop strings, holding back any tail of the
     * text that could still become one.
     */
    static final class TextStream {
        private final Tokenizer tokenizer;
        private final List<String> stops;
        private final Consumer<String> out;
        private final ByteArrayOutputStream pendingBytes = new ByteArrayOutputStream();
        private final StringBuilder text = new StringBuilder(); // everything decoded so far
        private int emitted;                                    // chars of text passed to out
        private boolean stopped;

        /** Whether the next token starts the text (SentencePiece then drops its space prefix). */
        private boolean atStart;

        TextStream(Tokenizer tokenizer, List<String> stops, Consumer<String> out, boolean atStart) {
            this.atStart = atStart;
            this.tokenizer = tokenizer;
            this.stops = stops.stream().filter(s -> !s.isEmpty()).toList();
            this.out = out;
        }

        boolean stopped() {
            return stopped;
        }

        void accept(int id) {
            if (stopped) return;
            // Bytes, not text: a character may span tokens (byte-level and byte-fallback tokens).
            pendingBytes.writeBytes(atStart ? tokenizer.decodeBytes(new int[] {id}) : tokenizer.tokenBytes(id));
            atStart = false;
            byte[] b = pendingBytes.toByteArray();
            int complete = completeUtf8Prefix(b);
            if (complete == 0) return;
            text.append(new String(b, 0, complete, StandardCharsets.UTF_8));
            pendingBytes.reset();
            pendingBytes.write(b, complete, b.length - complete);
            flush(false);
        }

        /** Emits what is safe; at the end, everything not cut by a stop string. Returns the full continuation. */
        String finish() {
            if (!stopped && pendingBytes.size() > 0) { // a truncated character at the very end: decode leniently
                text.append(new String(pendingBytes.toByteArray(), StandardCharsets.UTF_8));
                pendingBytes.reset();
            }
            flush(true);
            return text.toString();
        }

        private void flush(boolean end) {
            int limit = text.length();
            if (!stopped) {
                // A stop string can only newly appear in text that reaches into the unemitted tail.
                int from = Math.max(0, emitted - maxStopLength() + 1);
                int cut = -1;
                for (String s : stops) {
                    int at = text.indexOf(s, from);
                    if (at >= 0 && (cut < 0 || at < cut)) cut = at;
                }
                if (cut >= 0) {
                    stopped = true;
                    text.setLength(cut);
                    limit = cut;
                } else if (!end) {
                    limit = text.length() - heldBack();
                }
            }
            if (limit > emitted) {
                out.accept(text.substring(emitted, limit));
                emitted = limit;
            }
        }

        /** Length of the longest tail of the text that is a proper prefix of a stop string. */
        private int heldBack() {
            int best = 0;
            for (String s : stops) {
                for (int k = Math.min(s.length() - 1, text.length()); k > best; k--) {
                    if (tailEquals(s, k)) {
                        best = k;
                        break;
                    }
                }
            }
            return best;
        }

        /** Whether the text ends with the first k chars of s. */
        private boolean tailEquals(String s, int k) {
            int base = text.length() - k;
            for (int i = 0; i < k; i++) if (text.charAt(base + i) != s.charAt(i)) return false;
            return true;
        }

        private int maxStopLength() {
            int m = 1;
            for (String s : stops) m = Math.max(m, s.length());
            return m;
        }

        /** Bytes of {@code b} that form whole UTF-8 sequences; an incomplete sequence at the end is left out. */
        static int completeUtf8Prefix(byte[] b) {
            int n = b.length;
            // Walk back over at most 3 continuation bytes to the last lead byte.
            int i = n - 1, back = 0;
            while (i >= 0 && back < 3 && (b[i] & 0xC0) == 0x80) {
                i--;
                back++;
            }
            if (i < 0) return n; // only continuation bytes: invalid anyway, let the decoder replace them
            int lead = b[i] & 0xFF;
            int need = lead < 0x80 ? 1 : lead >= 0xF0 && lead < 0xF8 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
            return n - i >= need ? n : i;
        }
    }
}
