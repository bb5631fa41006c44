package dev.moxing.llm.classify;

import dev.moxing.llm.train.GptTrainer;
import dev.moxing.llm.train.Pretraining;
import dev.moxing.llm.train.TrainOptions;
import dev.moxing.llm.train.TrainingListener;
import dev.moxing.random.Rng;
import dev.moxing.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A tiny pre-trained decoder learns a trivially separable attribution: the authors use disjoint characters. */
class SequenceClassifierTest {
    @TempDir
    Path tmp;

    /** 30 poems by "甲" in the characters a–h, 30 by "乙" in s–z, with random lengths. */
    private Path poems() throws Exception {
        Rng rng = new Rng(5);
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 60; i++) {
            String chars = i % 2 == 0 ? "abcdefgh" : "stuvwxyz";
            s.append("t\n").append(i % 2 == 0 ? "甲" : "乙").append('\n');
            int lines = 1 + rng.nextInt(3);
            for (int l = 0; l < lines; l++) {
                for (int k = 0; k < 3 + rng.nextInt(5); k++) s.append(chars.charAt(rng.nextInt(chars.length())));
                s.append('\n');
            }
            s.append('\n');
        }
        Path f = tmp.resolve("poems.txt");
        Files.writeString(f, s);
        return f;
    }

    private SequenceClassifier pretrained(Path text, List<String> labels, Pooling pooling) throws Exception {
        GptTrainer pre = Pretraining.start(text, "char", new Pretraining.GptShape(1, 2, 16, 16, 0f),
                new TrainOptions(8, 10, 1e-2, 1e-3, 1, 0.0, 1.0, 1, 0, 1, 10, 3));
        pre.run(null, new TrainingListener() { });
        return new SequenceClassifier(pre.model(), pre.tokenizer(), labels, pooling, new Rng(9));
    }

    @Test
    void learnsDisjointCharacterAuthorsAndSurvivesSaveAndLoad() throws Exception {
        Path text = poems();
        LabelledSplit split = PoetAttribution.load(text, 2, 1);
        SequenceClassifier c = pretrained(text, split.labels(), Pooling.LAST);
        new ClassifierTrainer(c, split.train(), new ClassifierTrainer.Options(40, 8, 1e-2, 0.0, 1)).run(10, (s, n, l) -> { });
        assertThat(c.accuracy(split.test(), 8)).isEqualTo(1.0);
        assertThat(split.majorityBaseline()).isEqualTo(0.5);

        Path dir = tmp.resolve("cls");
        c.save(dir);
        SequenceClassifier back = SequenceClassifier.load(dir);
        assertThat(back.labels()).isEqualTo(split.labels());
        assertThat(back.pooling()).isEqualTo(Pooling.LAST);
        List<String> texts = split.test().stream().map(Example::text).toList();
        assertThat(back.predict(texts, 4)).containsExactly(c.predict(texts, 4));
        assertThat(Files.list(tmp).map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".tmp-"));
    }

    @Test
    void freezingTheBaseTrainsTheHeadOnly() throws Exception {
        Path text = poems();
        LabelledSplit split = PoetAttribution.load(text, 2, 1);
        SequenceClassifier c = pretrained(text, split.labels(), Pooling.MEAN);
        Map<String, float[]> before = new java.util.HashMap<>();
        c.base().stateDict().forEach((k, v) -> before.put(k, v.toFloatArray()));
        float[] headBefore = c.head().weight().toFloatArray();
        c.freezeBase();
        new ClassifierTrainer(c, split.train(), new ClassifierTrainer.Options(40, 8, 3e-2, 0.0, 1)).run(10, (s, n, l) -> { });
        c.base().stateDict().forEach((k, v) -> assertThat(v.toFloatArray()).as(k).containsExactly(before.get(k)));
        assertThat(c.head().weight().toFloatArray()).isNotEqualTo(headBefore);
        assertThat(c.accuracy(split.test(), 8)).isGreaterThan(split.majorityBaseline());
    }

    @Test
    void paddingDoesNotChangeASequencesLogits() throws Exception {
        Path text = poems();
        for (Pooling pooling : Pooling.values()) {
            SequenceClassifier c = pretrained(text, List.of("x", "y"), pooling);
            c.eval();
            int[] shortSeq = c.encode("abc"), longSeq = c.encode("stuvwxyzst");
            try (var ignored = Tensor.noGrad()) {
                float[] alone = c.logits(List.of(shortSeq)).toFloatArray();
                float[] padded = c.logits(List.of(shortSeq, longSeq)).narrow(0, 0, 1).toFloatArray();
                assertThat(padded).as(pooling.name()).containsExactly(alone, org.assertj.core.data.Offset.offset(1e-5f));
            }
        }
    }

    @Test
    void longTextsKeepTheirLastContextTokens() throws Exception {
        SequenceClassifier c = pretrained(poems(), List.of("x", "y"), Pooling.LAST);
        int[] all = c.tokenizer().encode("abcdefghabcdefghstuv");
        assertThat(c.encode("abcdefghabcdefghstuv")).containsExactly(java.util.Arrays.copyOfRange(all, 4, 20));
    }
}
