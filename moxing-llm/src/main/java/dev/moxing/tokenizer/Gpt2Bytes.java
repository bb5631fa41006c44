package dev.moxing.tokenizer;

/**
 * GPT-2's reversible mapping between the 256 byte values and 256 printable Unicode characters.
 *
 * <p>Byte-level BPE works on bytes, but vocabulary files store tokens as text. GPT-2 keeps the
 * printable Latin-1 bytes as themselves and shifts every other byte (controls, space, 0x7F–0xA0,
 * 0xAD) to U+0100 and up, so that a space becomes {@code Ġ} (U+0120) and a newline {@code Ċ}
 * (U+010A). Every token string in {@code encoder.json}/{@code vocab.bpe} is in this alphabet.
 */
final class Gpt2Bytes {

    private static final char[] BYTE_TO_CHAR = new char[256];
    /** Indexed by character; covers U+0000–U+0143, the whole image of the mapping. */
    private static final int[] CHAR_TO_BYTE = new int[0x144];

    static {
        boolean[] kept = new boolean[256];
        for (int b = '!'; b <= '~'; b++) kept[b] = true;
        for (int b = 0xA1; b <= 0xAC; b++) kept[b] = true;
        for (int b = 0xAE; b <= 0xFF; b++) kept[b] = true;
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int shifted = 0;
        for (int b = 0; b < 256; b++) {
            char c = kept[b] ? (char) b : (char) (256 + shifted++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private Gpt2Bytes() {}

    static char toChar(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The byte a character stands for, or -1 if the character is outside the alphabet. */
    static int toByte(char c) {
        return c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    }

    static String encode(byte[] bytes) {
        char[] chars = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) chars[i] = toChar(bytes[i]);
        return new String(chars);
    }

    /** Decodes a token string; returns null when it holds a character outside the alphabet. */
    static byte[] decode(String token) {
        byte[] bytes = new byte[token.length()];
        for (int i = 0; i < bytes.length; i++) {
            int b = toByte(token.charAt(i));
            if (b < 0) return null;
            bytes[i] = (byte) b;
        }
        return bytes;
    }
}
