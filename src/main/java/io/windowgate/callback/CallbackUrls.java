package io.windowgate.callback;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;

import io.windowgate.text.Excerpt;

/**
 * Which receiver URLs events may go to: http or https, no user or password in the URL (credentials would be stored
 * and shown in plain text; the signature authenticates the events instead), at most 2,048 characters, and with
 * {@code callbacks.allow-private=false} no loopback, link-local or private-network target. A literal address is
 * checked when the notification arrives; a host name when an event is sent, as its address may change.
 */
public final class CallbackUrls {

    /** The longest callbackUrl accepted. */
    public static final int MAX_LENGTH = 2048;

    private final boolean allowPrivate;

    public CallbackUrls(boolean allowPrivate) {
        this.allowPrivate = allowPrivate;
    }

    /** Why {@code url} cannot be a receiver, in words the sender can act on; null when it can. */
    public String problem(String url) {
        if (url.length() > MAX_LENGTH) {
            return "callbackUrl is " + url.length() + " characters long: at most " + MAX_LENGTH + " are accepted";
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return "callbackUrl " + Excerpt.quoted(url) + " is not a URL (" + e.getReason() + ")";
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            return "callbackUrl " + Excerpt.quoted(url) + " is not an http or https URL with a host";
        }
        if (uri.getRawUserInfo() != null) {
            return "callbackUrl holds a user name or password: remove them, events are signed with callbacks.secret "
                    + "(X-Windowgate-Signature) for the receiver to check instead";
        }
        if (!allowPrivate && isLiteralPrivate(uri.getHost())) {
            return "callbackUrl " + Excerpt.quoted(url) + " points at a loopback or private-network address, which "
                    + "callbacks.allow-private=false refuses";
        }
        return null;
    }

    /**
     * Why an event may not be sent to this host now: with {@code callbacks.allow-private=false}, a host name that
     * resolves to a loopback or private-network address. Null when it may (or the name does not resolve: the attempt
     * then fails and is retried).
     */
    public String refusedTarget(String host) {
        if (allowPrivate || host == null) {
            return null;
        }
        try {
            for (InetAddress address : InetAddress.getAllByName(host)) {
                if (isPrivate(address)) {
                    return "host " + host + " resolves to " + address.getHostAddress() + ", a loopback or "
                            + "private-network address, which callbacks.allow-private=false refuses";
                }
            }
        } catch (UnknownHostException e) {
            return null;
        }
        return null;
    }

    /** A host given as an address (or localhost) that is loopback, link-local, private or unspecified. */
    private static boolean isLiteralPrivate(String host) {
        String name = host.toLowerCase(Locale.ROOT);
        if (name.equals("localhost") || name.endsWith(".localhost")) {
            return true;
        }
        boolean literal = name.startsWith("[") || name.matches("[0-9.]+");
        if (!literal) {
            return false;
        }
        try {
            // a literal address is parsed, never looked up
            return isPrivate(InetAddress.getByName(name.startsWith("[") ? name.substring(1, name.length() - 1) : name));
        } catch (UnknownHostException e) {
            return true;
        }
    }

    private static boolean isPrivate(InetAddress address) {
        byte[] bytes = address.getAddress();
        boolean uniqueLocalV6 = bytes.length == 16 && (bytes[0] & 0xFE) == 0xFC;
        return address.isLoopbackAddress() || address.isSiteLocalAddress() || address.isLinkLocalAddress()
                || address.isAnyLocalAddress() || uniqueLocalV6;
    }
}
