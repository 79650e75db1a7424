package io.windowgate.callback;

import java.io.IOException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.windowgate.notification.BusinessNumbers;
import io.windowgate.store.CallbackEventStore.Event;

/**
 * The JSON body of each event, built from its stored row when it is sent: the row does not change, so every attempt
 * sends the same bytes. The shapes are documented with samples in docs/callbacks.md.
 */
public final class CallbackBodies {

    private final ObjectMapper json = new ObjectMapper();
    private final BusinessNumbers numbers;

    public CallbackBodies(BusinessNumbers numbers) {
        this.numbers = numbers;
    }

    public byte[] body(Event e) {
        ObjectNode body = json.createObjectNode();
        body.put("eventId", e.eventId());
        body.put("type", e.type());
        switch (e.type()) {
            case Callbacks.STATUS -> status(body, e);
            case Callbacks.INBOUND -> inbound(body, e);
            default -> window(body, e);
        }
        try {
            return json.writeValueAsBytes(body);
        } catch (IOException ex) {
            throw new IllegalStateException("cannot write the body of event " + e.eventId(), ex);
        }
    }

    private static void status(ObjectNode body, Event e) {
        body.put("notificationId", e.notificationId());
        body.put("status", e.status() == null ? null : e.status().trim());
        body.put("previousStatus", e.previousStatus() == null ? null : e.previousStatus().trim());
        body.put("at", e.occurredAt().toString());
        body.put("route", e.route() == null ? null : e.route().trim());
        body.put("wamid", e.wamid());
        if (e.errorCode() == null && e.errorTitle() == null && e.errorDetails() == null) {
            body.putNull("error");
        } else {
            ObjectNode error = body.putObject("error");
            if (e.errorCode() == null) {
                error.putNull("code");
            } else {
                error.put("code", e.errorCode());
            }
            error.put("title", e.errorTitle());
            error.put("details", e.errorDetails());
        }
        body.put("source", e.source());
    }

    private void inbound(ObjectNode body, Event e) {
        try {
            JsonNode fields = json.readTree(e.payload());
            fields.properties().forEach(field -> body.set(field.getKey(), field.getValue()));
        } catch (IOException ex) {
            throw new IllegalStateException("stored payload of event " + e.eventId() + " is not JSON", ex);
        }
    }

    private void window(ObjectNode body, Event e) {
        body.put("to", e.recipient());
        body.put("businessNumber", e.businessNumber());
        BusinessNumbers.BusinessNumber number = numbers.byAlias(e.businessNumber());
        body.put("phoneNumberId", number == null ? null : number.id());
        body.put("closesAt", e.closesAt().toString());
        body.put("at", e.occurredAt().toString());
    }
}
