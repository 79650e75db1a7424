package io.windowgate.whatsapp;

import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.windowgate.notification.Notification;
import io.windowgate.notification.TemplateRef;

/**
 * Builds WhatsApp Cloud API send bodies. Every body carries {@code biz_opaque_callback_data} = the notification id,
 * which status webhooks echo back.
 */
public final class CloudApiPayloads {

    private final ObjectMapper json = new ObjectMapper();

    /** A free-form text message; only valid inside the customer service window. */
    public String sessionMessage(Notification n) {
        if (!n.hasText()) {
            throw new IllegalArgumentException("notification " + n.id() + " has no text for a session message");
        }
        ObjectNode body = envelope(n, "text");
        body.putObject("text").put("body", n.text());
        return body.toString();
    }

    /** A pre-approved template message with its body parameters, positional or named. */
    public String templateMessage(Notification n) {
        TemplateRef t = n.template();
        if (t == null) {
            throw new IllegalArgumentException("notification " + n.id() + " has no template");
        }
        ObjectNode body = envelope(n, "template");
        ObjectNode template = body.putObject("template");
        template.put("name", t.name());
        template.putObject("language").put("code", t.language());
        if (t.hasParams()) {
            ObjectNode component = template.putArray("components").addObject();
            component.put("type", "body");
            ArrayNode parameters = component.putArray("parameters");
            t.positionalParams().forEach(value -> parameters.addObject().put("type", "text").put("text", value));
            for (Map.Entry<String, String> param : t.namedParams().entrySet()) {
                parameters.addObject().put("type", "text").put("parameter_name", param.getKey())
                        .put("text", param.getValue());
            }
        }
        return body.toString();
    }

    private ObjectNode envelope(Notification n, String type) {
        ObjectNode body = json.createObjectNode();
        body.put("messaging_product", "whatsapp");
        body.put("recipient_type", "individual");
        body.put("to", n.to());
        body.put("type", type);
        body.put("biz_opaque_callback_data", n.id());
        return body;
    }
}
