package dev.moxing.llm.train;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;

/**
 * Writes a checkpoint directory so that a crash at any moment leaves either the previous
 * checkpoint or the new one, never a mixture of the two: the files go into a temporary sibling
 * directory, which then replaces the target by two renames (target → {@code .NAME.old}, temporary
 * → target). A crash between those renames leaves the target missing and the previous checkpoint
 * in {@code .NAME.old}; {@link #recover} puts it back before anything reads the target.
 */
final class CheckpointFiles {
    private CheckpointFiles() {
    }

    /** Fills a directory with files. */
    @FunctionalInterface
    interface Filler {
        void fill(Path dir) throws IOException;
    }

    /** Writes bytes through a channel that is forced to disk before the file is considered written. */
    @FunctionalInterface
    interface StreamWriter {
        void write(OutputStream out) throws IOException;
    }

    static void replaceDirectory(Path target, Filler filler) throws IOException {
        Path dir = target.toAbsolutePath().normalize();
        Path parent = dir.getParent();
        Files.createDirectories(parent);
        recover(dir);
        removeStaleTemporaries(dir);
        Path tmp = Files.createTempDirectory(parent, "." + dir.getFileName() + ".tmp-");
        try {
            filler.fill(tmp);
            makeReadable(tmp);
            Path old = oldSibling(dir);
            deleteRecursively(old);
            if (Files.exists(dir)) move(dir, old);
            move(tmp, dir);
            deleteRecursively(old);
        } catch (IOException | RuntimeException | Error e) {
            deleteRecursively(tmp);
            throw e;
        }
    }

    /**
     * Temporary files and directories are created private (0600/0700); a checkpoint is for sharing,
     * so it gets the usual 0644/0755 where the file system has POSIX permissions.
     */
    private static void makeReadable(Path dir) throws IOException {
        if (!dir.getFileSystem().supportedFileAttributeViews().contains("posix")) return;
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(f)) Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
            }
        }
    }

    /** If a save was interrupted between its two renames, moves the previous checkpoint back. */
    static void recover(Path dir) throws IOException {
        Path d = dir.toAbsolutePath().normalize();
        Path old = oldSibling(d);
        if (!Files.exists(d) && Files.isDirectory(old)) move(old, d);
    }

    /** Temporary directories of saves that a killed process never finished (they are never read). */
    private static void removeStaleTemporaries(Path dir) throws IOException {
        String prefix = "." + dir.getFileName() + ".tmp-";
        try (Stream<Path> siblings = Files.list(dir.getParent())) {
            for (Path p : (Iterable<Path>) siblings::iterator) {
                if (p.getFileName().toString().startsWith(prefix)) deleteRecursively(p);
            }
        }
    }

    private static Path oldSibling(Path dir) {
        return dir.resolveSibling("." + dir.getFileName() + ".old");
    }

    static boolean isEmptyDirectory(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    /** Writes a file in full and forces it to disk (the directory rename that publishes it comes later). */
    static void writeFile(Path path, StreamWriter writer) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
             OutputStream out = Channels.newOutputStream(ch)) {
            writer.write(new java.io.FilterOutputStream(out) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                }

                @Override
                public void close() throws IOException {
                    flush(); // Jackson closes what it writes to; the channel must stay open to be forced
                }
            });
            ch.force(true);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) return;
        Files.walkFileTree(p, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) throw e;
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
