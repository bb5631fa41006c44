/**
 * Tokenizers: text to token ids and back.
 *
 * <ul>
 *   <li>{@link dev.moxing.tokenizer.Tokenizer}: the interface, and {@code Tokenizer.load(path)}
 *       which recognises every file format below.
 *   <li>{@link dev.moxing.tokenizer.CharTokenizer}: one token per Unicode code point of a corpus.
 *   <li>{@link dev.moxing.tokenizer.ByteLevelBpe}: GPT-2's byte-level BPE; loads OpenAI's files,
 *       trains new vocabularies, recognises special tokens such as {@code <|endoftext|>}.
 *   <li>{@link dev.moxing.tokenizer.Gpt2PreTokenizer}: GPT-2's splitting of text into pieces.
 * </ul>
 *
 * <h2>Files</h2>
 * Tokenizers save as one UTF-8 JSON object, written to a temporary file and renamed into place:
 * <pre>{@code
 * {"format": "moxing-tokenizer", "type": "char", "version": 1,
 *  "codePoints": [10, 32, 33, ...],          // the vocabulary: id i is codePoints[i], ascending
 *  "unknownId": null}                         // or the id that unknown characters encode as
 *
 * {"format": "moxing-tokenizer", "type": "byte-level-bpe", "version": 1,
 *  "preTokenizer": "gpt2",                    // the only splitting rule so far
 *  "specialTokensInText": false,              // whether encode(text) matches special tokens
 *  "vocab": ["!", "\"", ..., "Ġt", ...],      // token i, in GPT-2's byte alphabet (space = Ġ)
 *  "merges": ["Ġ t", "Ġ a", ...],             // "left right", highest priority first
 *  "specialTokens": {"<|endoftext|>": 50256}} // also present in vocab, as their literal text
 * }</pre>
 * {@code ByteLevelBpe} also reads and writes OpenAI's pair {@code encoder.json} (token → id) and
 * {@code vocab.bpe} ({@code #version: 0.2}, then one merge per line), so vocabularies trained here
 * can be used by GPT-2 tooling and the other way round.
 */
package dev.moxing.tokenizer;
