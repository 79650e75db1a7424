package io.windowgate.csv;

import java.util.List;

import io.windowgate.notification.NotificationRequest;

/** One data row of a dropped file: where it starts (1-based physical line), its raw values, and what it asks for. */
public record CsvRow(long line, List<String> values, NotificationRequest request) {
}
