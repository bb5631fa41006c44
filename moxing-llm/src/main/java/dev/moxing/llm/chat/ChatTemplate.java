package dev.moxing.llm.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import dev.moxing.gguf.GgufFile;
import dev.moxing.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A model's chat template: the Jinja2 program, shipped with the model, that turns a conversation
 * into the exact prompt text the model was tuned on ({@code <|im_start|>user\n…<|im_end|>},
 * {@code [INST] … [/INST]}, …). Found in GGUF metadata ({@code tokenizer.chat_template}) or a
 * Hugging Face directory ({@code chat_template.jinja}, or {@code chat_template} in
 * {@code tokenizer_config.json}).
 *
 * <p>Rendered with Jinjava as Hugging Face renders them: {@code trim_blocks} and
 * {@code lstrip_blocks} on, with {@code messages} (maps with {@code role} and {@code content}),
 * {@code add_generation_prompt}, {@code bos_token}, {@code eos_token} and
 * {@code raise_exception(message)}. Jinjava already understands most of what the templates use
 * ({@code messages[0]['role']}, {@code messages[1:]}, {@code loop.last}, {@code namespace},
 * {@code .strip()} through Java's own {@code String.strip}); a few Python string methods Java
 * lacks are rewritten before parsing (see {@link #pythonisms}).
 *
 * <p>A model without a template gets {@link #fallback}: plain {@code User:}/{@code Assistant:}
 * lines, which base models continue sensibly, stopping at the next {@code "\nUser:"}.
 */
public final class ChatTemplate {
    /**
     * The fallback format: an optional system text, then one line per turn, then
     * {@code Assistant:} for the model to continue:
     * <pre>
     * You are terse.
     *
     * User: Hi
     * Assistant: Hello.
     * User: Who are you?
     * Assistant:</pre>
     */
    public static final String FALLBACK = "{% for m in messages %}{% if m.role == 'system' %}{{ m.content }}\n\n"
            + "{% else %}{{ m.role | capitalize }}: {{ m.content }}\n{% endif %}{% endfor %}"
            + "{% if add_generation_prompt %}Assistant:{% endif %}";

    /**
     * Turn markers of well-known formats. Those a template writes become stop strings, and in a
     * chat also stop tokens where the vocabulary has them as one token: a model that does not
     * emit its end-of-sequence id still ends its turn there, or at the start of the next one.
     */
    private static final List<String> TURN_MARKERS = List.of("<|im_end|>", "<|im_start|>", "<|eot_id|>",
            "<|start_header_id|>", "<|end|>", "<|user|>", "<|endoftext|>", "<end_of_turn>", "<start_of_turn>",
            "[INST]", "<|end_of_turn|>", "<|END_OF_TURN_TOKEN|>");

    /** Built on first render, not when a model is loaded: Jinjava takes a while to start. */
    private static final class Engine {
        static final Jinjava JINJAVA = newJinjava();
    }

    private final String template;
    private final String source;
    private final String bosToken;
    private final String eosToken;
    private final boolean fallback;

    private ChatTemplate(String template, String source, String bosToken, String eosToken, boolean fallback) {
        this.template = template;
        this.source = source;
        this.bosToken = bosToken == null ? "" : bosToken;
        this.eosToken = eosToken == null ? "" : eosToken;
        this.fallback = fallback;
    }

    /** A template from text; {@code source} names where it came from, for error messages. */
    public static ChatTemplate of(String template, String source, String bosToken, String eosToken) {
        return new ChatTemplate(template, source, bosToken, eosToken, false);
    }

    /** The {@link #FALLBACK} format, for models that carry no template. */
    public static ChatTemplate fallback(String bosToken, String eosToken) {
        return new ChatTemplate(FALLBACK, "moxing's fallback chat format", bosToken, eosToken, true);
    }

    /** The fallback format with a tokenizer's BOS and EOS text. */
    public static ChatTemplate fallback(Tokenizer tokenizer) {
        return fallback(bosText(tokenizer), eosText(tokenizer));
    }

    /** The template in a GGUF file's {@code tokenizer.chat_template}, with the tokenizer's BOS and EOS text. */
    public static Optional<ChatTemplate> fromGguf(GgufFile f, Tokenizer tokenizer) throws IOException {
        String t = f.string("tokenizer.chat_template", null);
        if (t == null || t.isBlank()) return Optional.empty();
        return Optional.of(of(t, "tokenizer.chat_template of " + f.path().getFileName(), bosText(tokenizer), eosText(tokenizer)));
    }

    /**
     * The template of a Hugging Face model directory: {@code chat_template.jinja}, else
     * {@code chat_template} in {@code tokenizer_config.json} (a string, or a list of
     * {@code {name, template}} of which "default" is taken), with that file's
     * {@code bos_token}/{@code eos_token}.
     */
    public static Optional<ChatTemplate> fromHuggingFace(Path dir) throws IOException {
        Path configFile = dir.resolve("tokenizer_config.json");
        JsonNode config = Files.isRegularFile(configFile) ? new ObjectMapper().readTree(configFile.toFile()) : null;
        String bos = config == null ? "" : tokenString(config.get("bos_token"));
        String eos = config == null ? "" : tokenString(config.get("eos_token"));
        Path jinja = dir.resolve("chat_template.jinja");
        if (Files.isRegularFile(jinja)) return Optional.of(of(Files.readString(jinja), jinja.toString(), bos, eos));
        if (config == null) return Optional.empty();
        JsonNode t = config.get("chat_template");
        String where = "chat_template in " + configFile;
        if (t == null || t.isNull()) return Optional.empty();
        if (t.isTextual()) return Optional.of(of(t.asText(), where, bos, eos));
        if (t.isArray()) {
            for (JsonNode named : t) {
                if ("default".equals(named.path("name").asText())) return Optional.of(of(named.path("template").asText(), where + " (\"default\")", bos, eos));
            }
            throw new IOException(where + ": a list of named templates without one named \"default\"");
        }
        throw new IOException(where + ": expected a string or a list of {name, template}, got " + t.getNodeType());
    }

    private static String tokenString(JsonNode n) { // "<s>" or {"content": "<s>", ...}
        if (n == null || n.isNull()) return "";
        return n.isTextual() ? n.asText() : n.path("content").asText("");
    }

    static String bosText(Tokenizer t) {
        return t.bosId().isPresent() ? t.tokenText(t.bosId().getAsInt()) : "";
    }

    static String eosText(Tokenizer t) {
        return t.eosIds().length > 0 ? t.tokenText(t.eosIds()[0]) : "";
    }

    public String template() {
        return template;
    }

    /** Where the template came from (a file and key), as error messages name it. */
    public String source() {
        return source;
    }

    public boolean isFallback() {
        return fallback;
    }

    public String bosToken() {
        return bosToken;
    }

    public String eosToken() {
        return eosToken;
    }

    /** Text that ends the assistant's turn: the fallback's {@code "\nUser:"}, else the template's turn markers and the EOS text. */
    public List<String> stopStrings() {
        if (fallback) return List.of("\nUser:");
        LinkedHashSet<String> stops = new LinkedHashSet<>();
        for (String m : TURN_MARKERS) if (template.contains(m)) stops.add(m);
        if (!eosToken.isEmpty()) stops.add(eosToken);
        return List.copyOf(stops);
    }

    /**
     * The prompt text for {@code messages}; with {@code addGenerationPrompt}, ending where the
     * assistant's reply begins. Throws {@link IllegalArgumentException} naming the template's
     * source when the template fails or calls {@code raise_exception}.
     */
    public String render(List<Message> messages, boolean addGenerationPrompt) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (Message m : messages) {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("role", m.role());
            map.put("content", m.content());
            list.add(map);
        }
        Map<String, Object> context = new HashMap<>();
        context.put("messages", list);
        context.put("add_generation_prompt", addGenerationPrompt);
        context.put("bos_token", bosToken);
        context.put("eos_token", eosToken);
        RenderResult r;
        try {
            r = Engine.JINJAVA.renderForResult(pythonisms(template), context);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("chat template (" + source + ") failed: " + reason(e), e);
        }
        for (TemplateError e : r.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                String why = e.getException() != null ? reason(e.getException()) : e.getMessage();
                throw new IllegalArgumentException("chat template (" + source + ") failed at line " + e.getLineno() + ": " + why);
            }
        }
        return r.getOutput();
    }

    /** raise_exception's message where the template called it, else the engine's own. */
    private static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TemplateRaised) return t.getMessage();
        }
        return e.getMessage();
    }

    /** What a template's {@code raise_exception(message)} throws. */
    static final class TemplateRaised extends RuntimeException {
        TemplateRaised(String message) {
            super(message);
        }
    }

    /** Called by templates as {@code raise_exception(message)}. */
    public static String raiseException(String message) {
        throw new TemplateRaised(message);
    }

    private static final Pattern PY_METHOD = Pattern.compile("\\.(lstrip|rstrip|upper|lower|title|capitalize|startswith|endswith)\\(");

    /**
     * Rewrites Python string methods that java.lang.String lacks into what Jinjava has:
     * {@code .lstrip()}/{@code .rstrip()} to {@code stripLeading}/{@code stripTrailing},
     * {@code .upper()}/{@code .lower()} to Java's, {@code .title()}/{@code .capitalize()} to the
     * filters of the same name, {@code .startswith(x)} to {@code startsWith}; and applies the
     * whitespace control of expression tags ("{{-", "-}}") itself, which Jinjava ignores. Textual,
     * so it would also touch such text inside a string literal; templates do not write that.
     */
    static String pythonisms(String t) {
        Matcher m = PY_METHOD.matcher(t);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            int after = m.end();
            boolean noArgs = after < t.length() && t.charAt(after) == ')';
            String replacement = switch (name) {
                case "lstrip" -> noArgs ? ".stripLeading(" : m.group();
                case "rstrip" -> noArgs ? ".stripTrailing(" : m.group();
                case "upper" -> ".toUpperCase(";
                case "lower" -> ".toLowerCase(";
                case "startswith" -> ".startsWith(";
                case "endswith" -> ".endsWith(";
                default -> null; // title, capitalize: a filter, and the "()" must go too
            };
            if (replacement == null) {
                if (!noArgs) continue;
                m.appendReplacement(out, Matcher.quoteReplacement("|" + name + "(")); // "x.title()" → "x|title()"
            } else {
                m.appendReplacement(out, Matcher.quoteReplacement(replacement));
            }
        }
        m.appendTail(out);
        // Jinjava honours "{%-" and "-%}" but not "{{-" and "-}}": strip the whitespace they would.
        return EXPRESSION_TRIM_RIGHT.matcher(EXPRESSION_TRIM_LEFT.matcher(out).replaceAll("{{")).replaceAll("}}");
    }

    private static final Pattern EXPRESSION_TRIM_LEFT = Pattern.compile("\\s*\\{\\{-");
    private static final Pattern EXPRESSION_TRIM_RIGHT = Pattern.compile("-\\}\\}\\s*");

    private static Jinjava newJinjava() {
        Jinjava j = new Jinjava(JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(true).build());
        j.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception", ChatTemplate.class,
                "raiseException", String.class));
        return j;
    }

    @Override
    public String toString() {
        return "ChatTemplate[" + source + "]";
    }
}
