package io.windowgate.whatsapp;

import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.windowgate.notification.MediaRef;
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
        if (n.hasMedia()) {
            return mediaMessage(n);
        }
        if (!n.hasText()) {
            throw new IllegalArgumentException("notification " + n.id() + " has no text for a session message");
        }
        ObjectNode body = envelope(n, "text");
        body.putObject("text").put("body", n.text());
        return body.toString();
    }

    /**
     * A media session message in the Cloud API's shape: {@code "type": "image", "image": {"link", "caption"}}, with
     * {@code filename} on a document; the text is the caption when the media has none (audio takes neither).
     */
    private String mediaMessage(Notification n) {
        MediaRef media = n.media();
        ObjectNode body = envelope(n, media.type());
        ObjectNode object = body.putObject(media.type());
        object.put("link", media.link());
        String caption = media.caption() != null ? media.caption() : n.text();
        if (caption != null && !"audio".equals(media.type())) {
            object.put("caption", caption);
        }
        if (media.filename() != null && "document".equals(media.type())) {
            object.put("filename", media.filename());
        }
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
        ArrayNode components = json.createArrayNode();
        if (t.header() != null) {
            ObjectNode parameter = components.addObject().put("type", "header").putArray("parameters").addObject();
            String type = t.header().format().toLowerCase(java.util.Locale.ROOT);
            parameter.put("type", type);
            if ("text".equals(type)) {
                parameter.put("text", t.header().value());
            } else {
                ObjectNode media = parameter.putObject(type).put("link", t.header().value());
                if (t.header().filename() != null) {
                    media.put("filename", t.header().filename());
                }
            }
        }
        if (t.hasParams()) {
            ObjectNode component = components.addObject();
            component.put("type", "body");
            ArrayNode parameters = component.putArray("parameters");
            for (int i = 0; i < t.positionalParams().size(); i++) {
                bodyParameter(parameters.addObject(), t.positionalParams().get(i), t.typedParams().get(Integer.toString(i + 1)));
            }
            for (Map.Entry<String, String> param : t.namedParams().entrySet()) {
                ObjectNode parameter = parameters.addObject();
                bodyParameter(parameter, param.getValue(), t.typedParams().get(param.getKey()));
                parameter.put("parameter_name", param.getKey());
            }
        }
        for (TemplateRef.Button button : t.buttons()) {
            ObjectNode component = components.addObject().put("type", "button")
                    .put("sub_type", button.type().toLowerCase(java.util.Locale.ROOT))
                    .put("index", Integer.toString(button.index()));
            ObjectNode parameter = component.putArray("parameters").addObject();
            switch (button.type()) {
                case "QUICK_REPLY" -> parameter.put("type", "payload").put("payload", button.value());
                case "COPY_CODE" -> parameter.put("type", "coupon_code").put("coupon_code", button.value());
                default -> parameter.put("type", "text").put("text", button.value());
            }
        }
        if (!components.isEmpty()) {
            template.set("components", components);
        }
        return body.toString();
    }

    /** A text, currency or date_time body parameter. */
    private static void bodyParameter(ObjectNode parameter, String text, TemplateRef.Typed typed) {
        if (typed == null) {
            parameter.put("type", "text").put("text", text);
        } else if ("currency".equals(typed.type())) {
            parameter.put("type", "currency").putObject("currency").put("fallback_value", typed.fallback())
                    .put("code", typed.code()).put("amount_1000", typed.amount1000());
        } else {
            parameter.put("type", "date_time").putObject("date_time").put("fallback_value", typed.fallback());
        }
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
