package io.kvorum.core;

/** Lower-case hexadecimal, for ids and keys in logs and on the command line. */
public final class Hex {
    private static final char[] DIGITS = "0123456789abcdef".toCharArray();

    private Hex() {
    }

    public static String encode(byte[] bytes) {
        char[] out = new char[bytes.length * 2];
        for (int i = 0; i < bytes.length; i++) {
            out[2 * i] = DIGITS[(bytes[i] >> 4) & 0xf];
            out[2 * i + 1] = DIGITS[bytes[i] & 0xf];
        }
        return new String(out);
    }

    public static byte[] decode(String hex) {
        Checks.require(hex.length() % 2 == 0, "hex length", hex.length(), "an even number");
        byte[] out = new byte[hex.length() / 2];
        for (int i = 0; i < out.length; i++) {
            int hi = Character.digit(hex.charAt(2 * i), 16);
            int lo = Character.digit(hex.charAt(2 * i + 1), 16);
            Checks.require(hi >= 0 && lo >= 0, "hex", hex, "only the digits 0-9 and a-f");
            out[i] = (byte) (hi << 4 | lo);
        }
        return out;
    }
}
