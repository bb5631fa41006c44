package dev.moxing.llm.format;

import dev.moxing.gguf.GgufFile;
import dev.moxing.llm.model.Transformer;
import dev.moxing.llm.train.Checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Recognises a model file or directory by its content and loads the network from it. */
public final class ModelFiles {
    private ModelFiles() {
    }

    public enum Kind { GGUF, LLAMA2C, MOXING_CHECKPOINT, HUGGING_FACE }

    /** What {@code path} holds, from its first bytes (GGUF magic) or its layout. */
    public static Kind kind(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            // Moxing checkpoints also hold config.json + model.safetensors; their config says what they are,
            // and deciding by it alone lets a missing weights or tokenizer file be reported by name.
            if (isMoxingCheckpoint(path)) return Kind.MOXING_CHECKPOINT;
            if (HfModel.isHfDirectory(path)) return Kind.HUGGING_FACE;
            throw new IOException(path + ": not a model directory (expected config.json with model.safetensors or model.safetensors.index.json)");
        }
        if (!Files.exists(path)) throw new NoSuchFileException(path + ": no such file");
        if (GgufFile.isGguf(path)) return Kind.GGUF;
        return Kind.LLAMA2C; // headerless: Llama2cCheckpoint validates the size against its header
    }

    private static boolean isMoxingCheckpoint(Path dir) throws IOException {
        Path config = dir.resolve("config.json");
        return Files.isRegularFile(config) && Files.readString(config).contains("\"moxing-transformer\"");
    }

    /** The network in {@code path}; {@code context} > 0 overrides the context length where the format allows. */
    public static Transformer load(Path path, int context) throws IOException {
        return switch (kind(path)) {
            case GGUF -> GgufModel.load(GgufFile.open(path), context);
            case LLAMA2C -> Llama2cCheckpoint.load(path);
            case MOXING_CHECKPOINT -> Checkpoint.loadModel(path).model();
            case HUGGING_FACE -> HfModel.load(path, context);
        };
    }
}
