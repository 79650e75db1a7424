package io.windowgate.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.windowgate.notification.BusinessNumbers;
import io.windowgate.whatsapp.CustomerIdentity;
import io.windowgate.whatsapp.WebhookSignature;

/**
 * A stand-in for the WhatsApp Cloud API, active when no access token is configured. It answers sends in the Cloud API
 * format, keeps its own record of customer service windows (it plays WhatsApp, so it does not read Windowgate's
 * tables), refuses free-form messages outside a window with error 131047, and turns a simulated customer message into a
 * signed webhook, exactly as WhatsApp would deliver it.
 */
public final class SandboxProvider {

    private static final Duration WINDOW = Duration.ofHours(24);
    /** The media types of a session message, as the Cloud API names them. */
    private static final java.util.Set<String> MEDIA_TYPES = java.util.Set.of("image", "document", "video", "audio");
    private static final int KEPT_MESSAGES = 200;
    private static final String WABA_ID = "sandbox-waba";
    /** The default number's phone number id in sandbox mode when whatsapp.phone-number-id is empty. */
    public static final String DEFAULT_PHONE_NUMBER_ID = "sandbox-phone-number";

    private final Clock clock;
    private final String appSecret;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, Instant> lastCustomerMessage = new ConcurrentHashMap<>();
    private final Deque<Map<String, Object>> received = new ArrayDeque<>();
    /** What WhatsApp calls a customer, by the digits of the number a business types. */
    private final Map<String, Customer> customers = new ConcurrentHashMap<>();

    /** A customer as WhatsApp knows them: a wa_id (which may differ from the number typed) and perhaps a BSUID. */
    private record Customer(String waId, String userId) {
    }

    private final BusinessNumbers numbers;
    private final String defaultId;

    public SandboxProvider(Clock clock, String appSecret) {
        this(clock, appSecret, null);
    }

    /**
     * A sandbox that plays every configured business number (null: the default alone, with the made-up id). Its windows
     * are per (number, customer), as WhatsApp's are.
     */
    public SandboxProvider(Clock clock, String appSecret, BusinessNumbers numbers) {
        this.clock = clock;
        this.appSecret = appSecret;
        this.numbers = numbers;
        String id = numbers == null ? "" : numbers.byAlias(BusinessNumbers.DEFAULT).id();
        this.defaultId = id.isEmpty() ? DEFAULT_PHONE_NUMBER_ID : id;
    }

    /**
     * The answer to a send request, and the status webhook body to deliver afterwards (null when the send was refused).
     */
    public record Answer(int httpStatus, String body, byte[] statusWebhook) {
    }

    /** A send from the default number. */
    public Answer send(byte[] requestBody) {
        return send(defaultId, requestBody);
    }

    /** A send from the number {@code phoneNumberId}, as POST /sandbox/&lt;phone number id&gt;/messages. */
    public Answer send(String phoneNumberId, byte[] requestBody) {
        if (!defaultId.equals(phoneNumberId) && (numbers == null || numbers.aliasOfId(phoneNumberId) == null)) {
            return error(400, 100, "Invalid parameter", "Unsupported post request: the sandbox plays no business "
                    + "number with the id '" + phoneNumberId + "'");
        }
        JsonNode request;
        try {
            request = json.readTree(requestBody);
        } catch (IOException e) {
            return error(400, 100, "Invalid parameter", "request body is not JSON");
        }
        if (request == null || !"whatsapp".equals(request.path("messaging_product").asText())) {
            return error(400, 100, "Invalid parameter", "messaging_product must be \"whatsapp\"");
        }
        String to = request.path("to").asText("").replaceAll("[^0-9]", "");
        if (to.length() < 6) {
            return error(400, 100, "Invalid parameter", "\"to\" must be a phone number");
        }
        String type = request.path("type").asText("text");
        Customer customer = customers.getOrDefault(to, new Customer(to, null));
        boolean media = MEDIA_TYPES.contains(type);
        if ("text".equals(type) && request.path("text").path("body").asText("").isEmpty()) {
            return error(400, 100, "Invalid parameter", "text.body is required for a text message");
        }
        if (media && !request.path(type).path("link").asText("").startsWith("https://")) {
            return error(400, 100, "Invalid parameter", type + ".link must be an https URL the sandbox could fetch");
        }
        if ("text".equals(type) || media) {
            Instant last = lastCustomerMessage.get(phoneNumberId + "/" + customer.waId());
            if (last == null || !clock.instant().isBefore(last.plus(WINDOW))) {
                return error(400, 131047, "Re-engagement message", "Message failed to send because more than 24 "
                        + "hours have passed since the customer last replied to this number.");
            }
        } else if ("template".equals(type)) {
            if (request.path("template").path("name").asText("").isEmpty()
                    || request.path("template").path("language").path("code").asText("").isEmpty()) {
                return error(404, 132001, "Template name does not exist in the translation",
                        "template.name and template.language.code are required");
            }
        } else {
            return error(400, 131051, "Unsupported message type", "the sandbox accepts text, image, document, video, "
                    + "audio and template messages");
        }
        String wamid = "wamid.sandbox." + UUID.randomUUID();
        String callback = request.path("biz_opaque_callback_data").asText(null);
        remember(wamid, to, type, callback, request);
        ObjectNode answer = json.createObjectNode().put("messaging_product", "whatsapp");
        answer.putArray("contacts").addObject().put("input", request.path("to").asText()).put("wa_id", customer.waId());
        answer.putArray("messages").addObject().put("id", wamid);
        return new Answer(200, answer.toString(), statusWebhook(phoneNumberId, wamid, customer, callback, type));
    }

    /** A customer writes to the default number. */
    public byte[] customerWrites(String phone, String text) {
        return customerWrites(null, phone, text);
    }

    /** A customer writes to business number {@code number}, known to WhatsApp by the number's digits. */
    public byte[] customerWrites(String number, String phone, String text) {
        return customerWrites(number, phone, text, null, null, false);
    }

    /**
     * A customer writes to business number {@code number} (an alias or a phone number id; null or blank: the default):
     * opens that number's window on the provider side and returns the inbound-message webhook body.
     *
     * @param waId           the customer's wa_id when it is not the number's digits (Brazilian mobiles registered
     *                       before the ninth digit); remembered, so sends to the number answer with it
     * @param userId         the customer's business-scoped user id; remembered, and carried by their webhooks
     * @param withholdPhone  the webhook names the customer by user id only, as WhatsApp does for users with a username
     */
    public byte[] customerWrites(String number, String phone, String text, String waId, String userId,
            Boolean withholdPhone) {
        String numberId = defaultId;
        if (number != null && !number.isBlank()) {
            String alias = numbers == null ? null : numbers.resolve(number);
            if (alias == null) {
                throw new IllegalArgumentException("'" + number + "' is not a configured business number: use one of "
                        + (numbers == null ? BusinessNumbers.DEFAULT : numbers.aliases()));
            }
            String id = numbers.byAlias(alias).id();
            numberId = id.isEmpty() ? defaultId : id;
        }
        String digits = phone == null ? "" : phone.replaceAll("[^0-9]", "");
        if (digits.length() < 6) {
            throw new IllegalArgumentException("'" + phone + "' is not a phone number: use international form, "
                    + "e.g. +14155550123");
        }
        Customer customer = customer(digits, waId, userId);
        boolean withhold = Boolean.TRUE.equals(withholdPhone);
        if (withhold && customer.userId() == null) {
            throw new IllegalArgumentException("withholdPhone needs the customer's user id: add userId=US.1234567890 "
                    + "(once is enough, it is remembered)");
        }
        Instant now = clock.instant();
        lastCustomerMessage.put(numberId + "/" + customer.waId(), now);
        ObjectNode value = envelopeValue(numberId);
        ObjectNode contact = value.putArray("contacts").addObject();
        ObjectNode message = value.putArray("messages").addObject();
        if (!withhold) {
            contact.put("wa_id", customer.waId());
            message.put("from", customer.waId());
        }
        if (customer.userId() != null) {
            contact.put("user_id", customer.userId());
            message.put("from_user_id", customer.userId());
        }
        contact.putObject("profile").put("name", "Sandbox customer");
        message.put("id", "wamid.sandbox.in." + UUID.randomUUID())
                .put("timestamp", Long.toString(now.getEpochSecond()))
                .put("type", "text")
                .putObject("text").put("body", text == null || text.isBlank() ? "hello" : text);
        return wrap(value);
    }

    /** The customer of the number {@code digits}, with what this message says of them remembered. */
    private Customer customer(String digits, String waId, String userId) {
        if (waId != null && !waId.isBlank() && !CustomerIdentity.isWaId(waId)) {
            throw new IllegalArgumentException("waId '" + waId + "' is not a wa_id: 6 to 15 digits, e.g. 551187654321");
        }
        if (userId != null && !userId.isBlank() && !CustomerIdentity.isUserId(userId)) {
            throw new IllegalArgumentException("userId '" + userId + "' is not a business-scoped user id: a country "
                    + "code, a dot and up to 128 letters and digits, e.g. US.13491208655302741918");
        }
        return customers.compute(digits, (key, known) -> {
            String w = waId != null && !waId.isBlank() ? waId : known != null ? known.waId() : digits;
            String u = userId != null && !userId.isBlank() ? userId : known != null ? known.userId() : null;
            return new Customer(w, u);
        });
    }

    /** The X-Hub-Signature-256 header for a webhook body. */
    public String sign(byte[] webhookBody) {
        return WebhookSignature.sign(appSecret, webhookBody);
    }

    /** The messages the sandbox accepted, newest first, for a person to look at. */
    public synchronized List<Map<String, Object>> receivedMessages() {
        return new ArrayList<>(received);
    }

    private byte[] statusWebhook(String phoneNumberId, String wamid, Customer customer, String callback, String type) {
        ObjectNode value = envelopeValue(phoneNumberId);
        ArrayNode statuses = value.putArray("statuses");
        long now = clock.instant().getEpochSecond();
        for (String status : new String[] {"sent", "delivered"}) {
            ObjectNode s = statuses.addObject().put("id", wamid).put("status", status)
                    .put("timestamp", Long.toString(now)).put("recipient_id", customer.waId());
            if (customer.userId() != null) {
                s.put("recipient_user_id", customer.userId());
            }
            if (callback != null) {
                s.put("biz_opaque_callback_data", callback);
            }
            s.putObject("pricing").put("billable", "template".equals(type)).put("pricing_model", "PMP")
                    .put("type", "template".equals(type) ? "regular" : "free_customer_service")
                    .put("category", "template".equals(type) ? "utility" : "service");
        }
        return wrap(value);
    }

    private ObjectNode envelopeValue(String phoneNumberId) {
        ObjectNode value = json.createObjectNode().put("messaging_product", "whatsapp");
        value.putObject("metadata").put("display_phone_number", "15550000000").put("phone_number_id", phoneNumberId);
        return value;
    }

    private byte[] wrap(ObjectNode value) {
        ObjectNode root = json.createObjectNode().put("object", "whatsapp_business_account");
        ObjectNode change = root.putArray("entry").addObject().put("id", WABA_ID).putArray("changes").addObject();
        change.put("field", "messages");
        change.set("value", value);
        return root.toString().getBytes(StandardCharsets.UTF_8);
    }

    private synchronized void remember(String wamid, String to, String type, String callback, JsonNode request) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("wamid", wamid);
        entry.put("to", to);
        entry.put("type", type);
        entry.put("biz_opaque_callback_data", callback);
        entry.put("acceptedAt", clock.instant().toString());
        entry.put("request", json.convertValue(request, Map.class));
        received.addFirst(entry);
        while (received.size() > KEPT_MESSAGES) {
            received.removeLast();
        }
    }

    private Answer error(int httpStatus, int code, String title, String details) {
        ObjectNode root = json.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("message", "(#" + code + ") " + title);
        error.put("type", "OAuthException");
        error.put("code", code);
        error.putObject("error_data").put("messaging_product", "whatsapp").put("details", details);
        error.put("fbtrace_id", "sandbox");
        return new Answer(httpStatus, root.toString(), null);
    }
}
