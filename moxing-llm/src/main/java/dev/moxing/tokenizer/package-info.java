/**
 * Tokenizers: text to token ids and back.
 *
 * <ul>
 *   <li>{@link dev.moxing.tokenizer.Tokenizer}: the interface, and {@code Tokenizer.load(path)}
 *       which recognises every file format below.
 *   <li>{@link dev.moxing.tokenizer.CharTokenizer}: one token per Unicode code point of a corpus.
 *   <li>{@link dev.moxing.tokenizer.ByteLevelBpe}: GPT-2's byte-level BPE; loads OpenAI's files,
 *       trains new vocabularies, recognises special tokens such as {@code <|endoftext|>}.
 *   <li>{@link dev.moxing.tokenizer.Gpt2PreTokenizer}: GPT-2's splitting of text into pieces;
 *       {@link dev.moxing.tokenizer.BpePreTokenizer} names it and Llama 3's and Qwen 2's.
 *   <li>{@link dev.moxing.tokenizer.SentencePieceBpe}: SentencePiece-style BPE with byte fallback
 *       (Llama 2, Mistral, Phi-3), merging by token score (GGUF) or by merge rank (Hugging Face).
 *   <li>{@link dev.moxing.tokenizer.WordPiece}: BERT's WordPiece with its basic pre-tokenisation.
 *   <li>{@link dev.moxing.tokenizer.GgufTokenizers}: any of these from a GGUF file's
 *       {@code tokenizer.ggml.*} metadata, as llama.cpp reads it; Hugging Face
 *       {@code tokenizer.json} files load through {@code Tokenizer.load} too.
 * </ul>
 *
 * <h2>Special tokens and generation</h2>
 * {@code encode} never adds BOS/EOS; {@link dev.moxing.tokenizer.Tokenizer#bosId()},
 * {@link dev.moxing.tokenizer.Tokenizer#addsBos()} and {@link dev.moxing.tokenizer.Tokenizer#eosIds()}
 * say what a prompt starts with and which ids end generation. Added tokens are matched in text
 * first: user-defined ones always, control ones ({@code <s>}, {@code <|user|>}) only through the
 * {@code encode(text, true)} overloads. Control tokens decode to nothing;
 * {@link dev.moxing.tokenizer.Tokenizer#decodeBytes} and {@code tokenBytes} give raw bytes so a
 * streaming decoder can hold back a character cut between tokens.
 *
 * <h2>Files</h2>
 * Tokenizers save as one UTF-8 JSON object, written to a temporary file and renamed into place:
 * <pre>{@code
 * {"format": "moxing-tokenizer", "type": "char", "version": 1,
 *  "codePoints": [10, 32, 33, ...],          // the vocabulary: id i is codePoints[i], ascending
 *  "unknownId": null}                         // or the id that unknown characters encode as
 *
 * {"format": "moxing-tokenizer", "type": "byte-level-bpe", "version": 1,
 *  "preTokenizer": "gpt2",                    // or "llama3", "qwen2"
 *  "specialTokensInText": false,              // whether encode(text) matches special tokens
 *  "vocab": ["!", "\"", ..., "Ġt", ...],      // token i, in GPT-2's byte alphabet (space = Ġ)
 *  "merges": ["Ġ t", "Ġ a", ...],             // "left right", highest priority first
 *  "specialTokens": {"<|endoftext|>": 50256}} // also present in vocab, as their literal text
 * }</pre>
 * SentencePiece and WordPiece vocabularies save as {@code "type": "sentencepiece-bpe"} or
 * {@code "wordpiece"}: tokens, scores and GGUF token types by id, the special ids and flags
 * (see {@code VocabularyFile}).
 * {@code ByteLevelBpe} also reads and writes OpenAI's pair {@code encoder.json} (token → id) and
 * {@code vocab.bpe} ({@code #version: 0.2}, then one merge per line), so vocabularies trained here
 * can be used by GPT-2 tooling and the other way round.
 */
package dev.moxing.tokenizer;
