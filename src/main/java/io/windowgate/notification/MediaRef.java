package io.windowgate.notification;

/**
 * The media of a session message, validated: {@code type} is image, document, video or audio; {@code link} an https
 * URL WhatsApp fetches; {@code caption} (not on audio) and {@code filename} (documents only) may be null.
 */
public record MediaRef(String type, String link, String caption, String filename) {
}
