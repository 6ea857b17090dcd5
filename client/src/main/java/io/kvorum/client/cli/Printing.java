package io.kvorum.client.cli;

import io.kvorum.client.Context;
import io.kvorum.client.Sibling;
import io.kvorum.core.Hex;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * How values and contexts appear on the terminal. A value prints as its UTF-8 text when that is
 * printable on one line, else as {@code 0x} and hex. Text that itself starts with {@code 0x} is
 * printed as hex too, so every printed value reads back one way only.
 */
final class Printing {
    private Printing() {
    }

    /** {@code VALUE<tab>dot=ACTOR:COUNTER<tab>time=ISO-8601}, or {@code (deleted)} in place of a tombstone's value. */
    static String sibling(Sibling s) {
        String value = s.isTombstone() ? "(deleted)" : value(s.value());
        return value + "\tdot=" + s.dot() + "\ttime=" + s.timestamp();
    }

    static String context(Context c) {
        return "context: " + c.toBase64();
    }

    static String value(byte[] bytes) {
        String text = printableText(bytes);
        return text != null ? text : "0x" + Hex.encode(bytes);
    }

    /** The bytes as text when they are non-empty, valid UTF-8, free of control characters and not hex-like; else null. */
    private static String printableText(byte[] bytes) {
        if (bytes.length == 0) {
            return null;
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
        if (text.startsWith("0x")) {
            return null;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT
                    || Character.getType(c) == Character.LINE_SEPARATOR
                    || Character.getType(c) == Character.PARAGRAPH_SEPARATOR) {
                return null;
            }
        }
        return text;
    }
}
