package io.windowgate;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Locale;

import org.apache.camel.CamelContext;

/**
 * Typed reads of Windowgate's configuration through Camel's properties component (application.properties, -D and
 * the environment). Camel's placeholders give text; each getter here parses it and, when it does not parse, stops the
 * start with the key and an example of a valid value, instead of a conversion stack trace deep in a component.
 */
final class Settings {
    private final CamelContext context;

    Settings(CamelContext context) {
        this.context = context;
    }

    String get(String key) {
        return context.resolvePropertyPlaceholders("{{" + key + "}}").trim();
    }

    long getLong(String key) {
        String value = get(key);
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalStateException(key + " must be a whole number, was '" + value + "'");
        }
    }

    int getInt(String key) {
        long value = getLong(key);
        if (value != (int) value) {
            throw new IllegalStateException(key + " must be a whole number up to " + Integer.MAX_VALUE
                    + ", was '" + value + "'");
        }
        return (int) value;
    }

    /** A period written as an ISO-8601 duration (PT30S) or in Camel's short form (30s, 5m, 1h30m, or millis). */
    Duration getInterval(String key) {
        String value = get(key);
        try {
            Duration interval = value.startsWith("P") || value.startsWith("p") ? Duration.parse(value)
                    : Duration.ofMillis(org.apache.camel.util.TimeUtils.toMilliSeconds(value));
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("not positive");
            }
            return interval;
        } catch (RuntimeException e) {
            throw new IllegalStateException(key + " must be a positive period such as 30s, 5m or PT30S, was '"
                    + value + "'");
        }
    }

    double getDouble(String key) {
        String value = get(key);
        try {
            double number = Double.parseDouble(value);
            if (number > 0 && Double.isFinite(number)) {
                return number;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalStateException(key + " must be a positive number, was '" + value + "'");
    }

    Duration getDuration(String key) {
        String value = get(key);
        try {
            return Duration.parse(value);
        } catch (RuntimeException e) {
            throw new IllegalStateException(key + " must be an ISO-8601 duration such as PT5M or P7D, was '"
                    + value + "'");
        }
    }

    /**
     * Fails the start when {@code portKey} cannot be bound on {@code hostKey}: Vert.x only logs a WARN when it cannot
     * bind, and Camel would run on, healthy but unreachable.
     */
    void requireFreePort(String hostKey, String portKey) {
        int port = getInt(portKey);
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(get(hostKey), port));
        } catch (IOException e) {
            throw new IllegalStateException(portKey + " " + port + " cannot be bound (" + e.getMessage()
                    + "): another process uses it; stop it or set " + portKey + " (or its environment variable "
                    + portKey.toUpperCase(Locale.ROOT).replace('.', '_') + ") to a free port");
        }
    }
}
