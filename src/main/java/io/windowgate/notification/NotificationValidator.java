package io.windowgate.notification;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberFormat;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.windowgate.callback.CallbackUrls;
import io.windowgate.text.Excerpt;

/**
 * Turns a raw {@link NotificationRequest} into a canonical {@link Notification}, or explains every problem in words a
 * person can act on. Rules: id, E.164 recipient, text and/or template, category, sendAt.
 */
public final class NotificationValidator {

    public static final int MAX_ID_LENGTH = 128;
    public static final int MAX_TEXT_LENGTH = 4096;
    /** WhatsApp's limit on a media caption. */
    public static final int MAX_CAPTION_LENGTH = 1024;
    private static final int MAX_LINK_LENGTH = 2048;
    private static final java.util.Set<String> MEDIA_TYPES = java.util.Set.of("image", "document", "video", "audio");
    private static final Pattern TEMPLATE_NAME = Pattern.compile("[a-z0-9_]{1,512}");
    private static final Pattern LANGUAGE_CODE = Pattern.compile("[a-z]{2,3}(_[A-Za-z0-9]{2,4})?");
    private static final Pattern PARAM_NAME = Pattern.compile("[a-z][a-z0-9_]*");
    /**
     * The template parameters are stored as JSON in notification.template_params, VARCHAR(16000): longer ones are
     * refused here with a reason, where the insert would fail and the source would be told to try again forever.
     */
    static final int MAX_STORED_PARAMS = 16_000;
    /** The header, button and typed parameters, stored as JSON in notification.template_parts, VARCHAR(8000). */
    static final int MAX_STORED_PARTS = 8_000;
    /** Writes the parameters as the store does (a plain ObjectMapper), to measure their stored length. */
    private static final ObjectMapper PARAMS_JSON = new ObjectMapper();
    /**
     * Template part key of a typed body parameter ("typed:1", "typed:first_name"); its value is "currency USD 10.50|$10.50"
     * or "date_time|May 1, 2026" (kind, then the fallback text after the bar).
     */
    public static final String TYPED_PREFIX = "typed:";
    private static final Pattern BUTTON_PART = Pattern.compile("button:([0-9]):(url|quick_reply|copy_code)");
    private static final java.util.Set<String> HEADER_FORMATS = java.util.Set.of("text", "image", "video", "document");

    private final PhoneNumberUtil phoneNumbers = PhoneNumberUtil.getInstance();
    private final String defaultRegion;
    private final BusinessNumbers numbers;
    private final CallbackUrls callbackUrls;

    /** A validator that knows the default business number only. */
    public NotificationValidator(String defaultRegion) {
        this(defaultRegion, BusinessNumbers.defaultOnly());
    }

    /** A validator that accepts a {@code from} naming any of {@code numbers}. */
    public NotificationValidator(String defaultRegion, BusinessNumbers numbers) {
        this(defaultRegion, numbers, new CallbackUrls(true));
    }

    /** A validator that also checks each callbackUrl by {@code callbackUrls}' rules. */
    public NotificationValidator(String defaultRegion, BusinessNumbers numbers, CallbackUrls callbackUrls) {
        this.numbers = numbers;
        this.callbackUrls = callbackUrls;
        String region = defaultRegion == null ? "" : defaultRegion.trim().toUpperCase(Locale.ROOT);
        if (!phoneNumbers.getSupportedRegions().contains(region)) {
            throw new IllegalArgumentException("default-region '" + defaultRegion
                    + "' is not an ISO 3166 region code libphonenumber knows (for example US, GB, DE, IN)");
        }
        this.defaultRegion = region;
    }

    /** A checked opt-in: scope ALL or a category, where it was given, the evidence, and when. */
    public record OptIn(String scope, String source, String evidence, Instant at) {
    }

    /** The outcome of validation: a notification (and the opt-in it reports), or the list of problems (never both). */
    public record Result(Notification notification, List<String> problems, OptIn optIn) {

        public Result(Notification notification, List<String> problems) {
            this(notification, problems, null);
        }

        public boolean valid() {
            return problems.isEmpty();
        }

        public String reason() {
            return String.join("; ", problems);
        }
    }

    public Result validate(NotificationRequest request) {
        List<String> problems = new ArrayList<>();
        if (request.malformed() != null) {
            problems.add(request.malformed());
        }
        checkUnicode(request, problems);
        String id = checkId(request.id(), problems);
        String to = normalisePhone(request.to(), problems);
        String text = checkText(request.text(), problems);
        TemplateRef template = checkTemplate(request, problems);
        MediaRef media = checkMedia(request.media(), text, problems);
        if (text == null && template == null && request.media().isEmpty() && blank(request.text())
                && blank(request.templateName())) {
            problems.add("neither text nor template nor media is given: a notification needs at least one");
        }
        Category category = null;
        if (!blank(request.category())) {
            category = Category.fromName(request.category()).orElse(null);
            if (category == null) {
                problems.add("category " + Excerpt.quoted(request.category())
                        + " is unknown: use UTILITY, MARKETING or AUTHENTICATION (or a legacy name such as SHIPPING_UPDATE)");
            }
        }
        Instant sendAt = checkSendAt(request.sendAt(), problems);
        OptIn optIn = checkOptIn(request.optIn(), problems);
        String sender = checkSender(request.from(), problems);
        String callbackUrl = checkCallbackUrl(request.callbackUrl(), problems);
        if (!problems.isEmpty()) {
            return new Result(null, List.copyOf(problems));
        }
        return new Result(new Notification(id, to, text, template, category, sendAt, request.source(), sender,
                callbackUrl, media), List.of(), optIn);
    }

    /** The receiver of the notification's events; absent or blank = callbacks.url. */
    private String checkCallbackUrl(String url, List<String> problems) {
        if (blank(url)) {
            return null;
        }
        String problem = callbackUrls.problem(url.strip());
        if (problem != null) {
            problems.add(problem);
        }
        return url.strip();
    }

    /** The alias of the business number {@code from} names; absent or blank = the default. */
    private String checkSender(String from, List<String> problems) {
        if (blank(from)) {
            return BusinessNumbers.DEFAULT;
        }
        String alias = numbers.resolve(from);
        if (alias == null) {
            problems.add("from " + Excerpt.quoted(from) + " is not a configured business number: use one of its "
                    + "aliases (" + numbers.aliases() + ") or its phone number id, or leave from out for the default");
        }
        return alias;
    }

    /**
     * Every text field must be whole Unicode text. A lone UTF-16 surrogate (a JSON escape such as \\uD800 without its
     * pair) cannot be encoded as UTF-8: the provider would get '?' in its place, and an id holding one is stored as
     * something no later look-up can name. Strict UTF-8 decoding cannot produce one, so only escapes bring them in.
     */
    private static void checkUnicode(NotificationRequest request, List<String> problems) {
        checkUnicode("id", request.id(), problems);
        checkUnicode("to", request.to(), problems);
        checkUnicode("text", request.text(), problems);
        checkUnicode("template.name", request.templateName(), problems);
        checkUnicode("template.language", request.templateLanguage(), problems);
        for (int i = 0; i < request.positionalParams().size(); i++) {
            checkUnicode("template parameter " + (i + 1), request.positionalParams().get(i), problems);
        }
        request.namedParams().forEach((name, value) -> {
            checkUnicode("a template parameter's name", name, problems);
            checkUnicode("template parameter '" + name + "'", value, problems);
        });
        request.templateParts().forEach((name, value) -> {
            checkUnicode("a template part's name", name, problems);
            checkUnicode("template part '" + name + "'", value, problems);
        });
        request.media().forEach((name, value) -> checkUnicode(name, value, problems));
        checkUnicode("category", request.category(), problems);
        checkUnicode("sendAt", request.sendAt(), problems);
        checkUnicode("from", request.from(), problems);
        checkUnicode("callbackUrl", request.callbackUrl(), problems);
        if (request.optIn() != null) {
            checkUnicode("optIn.scope", request.optIn().scope(), problems);
            checkUnicode("optIn.source", request.optIn().source(), problems);
            checkUnicode("optIn.evidence", request.optIn().evidence(), problems);
            checkUnicode("optIn.at", request.optIn().at(), problems);
        }
    }

    private static void checkUnicode(String field, String value, List<String> problems) {
        if (value == null) {
            return;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                problems.add(field + " holds an unpaired surrogate (\\u" + String.format("%04X", (int) c)
                        + ") at character " + (value.codePointCount(0, i) + 1) + ": it is half of a character, not "
                        + "text; send the text as UTF-8, or escape a character outside the BMP as both halves "
                        + "(\\uD83D\\uDE00 for an emoji)");
                return;
            }
        }
    }

    private static OptIn checkOptIn(NotificationRequest.OptInRequest optIn, List<String> problems) {
        if (optIn == null) {
            return null;
        }
        String scope = "ALL";
        if (!blank(optIn.scope()) && !"ALL".equalsIgnoreCase(optIn.scope().trim())) {
            Category category = Category.fromName(optIn.scope()).orElse(null);
            if (category == null) {
                problems.add("optIn.scope " + Excerpt.quoted(optIn.scope())
                        + " is unknown: use ALL, UTILITY, MARKETING or "
                        + "AUTHENTICATION");
                return null;
            }
            scope = category.name();
        }
        Instant at = null;
        if (!blank(optIn.at())) {
            try {
                at = OffsetDateTime.parse(optIn.at().trim()).toInstant();
            } catch (DateTimeParseException e) {
                problems.add("optIn.at " + Excerpt.quoted(optIn.at())
                        + " is not an ISO-8601 instant with a zone, such as "
                        + "2026-05-01T09:30:00Z");
                return null;
            }
        }
        return new OptIn(scope, blank(optIn.source()) ? "unknown" : optIn.source().trim(),
                blank(optIn.evidence()) ? null : optIn.evidence().trim(), at);
    }

    private static String checkId(String raw, List<String> problems) {
        if (blank(raw)) {
            problems.add("id is missing: every notification needs a unique id (at most " + MAX_ID_LENGTH + " characters)");
            return null;
        }
        String id = raw.trim();
        if (id.length() > MAX_ID_LENGTH) {
            problems.add("id is " + id.length() + " characters long: at most " + MAX_ID_LENGTH + " are allowed");
        } else if (id.chars().anyMatch(Character::isISOControl)) {
            problems.add("id contains control characters (tab, newline...): use printable characters only");
        }
        return id;
    }

    private String normalisePhone(String raw, List<String> problems) {
        if (blank(raw)) {
            problems.add("recipient ('to') is missing");
            return null;
        }
        String shown = raw.trim();
        try {
            PhoneNumber number = phoneNumbers.parse(shown, defaultRegion);
            if (!phoneNumbers.isPossibleNumber(number)) {
                problems.add("recipient " + Excerpt.quoted(shown)
                        + " is not a possible phone number (wrong length for its country "
                        + "code; numbers without '+' are read as " + defaultRegion + ", see default-region)");
                return null;
            }
            String e164 = phoneNumbers.format(number, PhoneNumberFormat.E164);
            // the right length is not enough: a number no country has assigned would only fail at the provider
            if (!phoneNumbers.isValidNumber(number)) {
                String region = phoneNumbers.getRegionCodeForCountryCode(number.getCountryCode());
                String country = new Locale("", region).getDisplayCountry(Locale.ENGLISH);
                problems.add("recipient " + Excerpt.quoted(shown) + " (" + e164 + ") is not a valid phone number in "
                        + (country.isEmpty() || country.equals(region) ? region : country + " (" + region + ")")
                        + ": check the digits, or write it in international form +<country code><number> (numbers "
                        + "without '+' are read as " + defaultRegion + ", see default-region)");
                return null;
            }
            return e164;
        } catch (NumberParseException e) {
            problems.add("recipient " + Excerpt.quoted(shown)
                    + " is not a phone number: write it in international form such as "
                    + "+14155550123 (" + e.getErrorType().name().toLowerCase(Locale.ROOT).replace('_', ' ') + ")");
            return null;
        }
    }

    private static String checkText(String raw, List<String> problems) {
        if (blank(raw)) {
            return null;
        }
        int length = raw.codePointCount(0, raw.length());
        if (length > MAX_TEXT_LENGTH) {
            problems.add("text is " + length + " characters long: WhatsApp allows at most " + MAX_TEXT_LENGTH);
            return null;
        }
        return raw;
    }

    /**
     * A session message's media (SPEC's media object, or the media_* CSV columns): one of WhatsApp's types, an https
     * link (WhatsApp fetches it; plain http is refused by its media servers), a caption of at most 1,024 characters and
     * none on audio, a filename on documents only. The text is the caption when the media has none, so it is held to
     * the caption's limits too. Null when no media is given.
     */
    private static MediaRef checkMedia(Map<String, String> media, String text, List<String> problems) {
        if (media.isEmpty()) {
            return null;
        }
        int before = problems.size();
        String type = media.get("media_type");
        String link = media.get("media_link");
        String caption = media.get("media_caption");
        String filename = media.get("media_filename");
        String kind = type == null ? null : type.strip().toLowerCase(Locale.ROOT);
        if (kind == null || !MEDIA_TYPES.contains(kind)) {
            problems.add("media type " + (type == null ? "is missing" : Excerpt.quoted(type) + " is not one WhatsApp "
                    + "sends") + ": use image, document, video or audio (media_type column, or media.type)");
        }
        if (link == null) {
            problems.add("media link is missing: give the https address WhatsApp fetches the file from (media_link "
                    + "column, or media.link)");
        } else {
            checkHttpsLink(link.strip(), problems);
        }
        String shownCaption = caption != null ? caption : text;
        String captionSource = caption != null ? "media caption" : "text (the caption of a media message without one)";
        if ("audio".equals(kind) && shownCaption != null) {
            problems.add(captionSource + " cannot go with audio: WhatsApp shows no caption on audio; send the text as "
                    + "a notification of its own");
        } else if (shownCaption != null && shownCaption.codePointCount(0, shownCaption.length()) > MAX_CAPTION_LENGTH) {
            problems.add(captionSource + " is " + shownCaption.codePointCount(0, shownCaption.length())
                    + " characters long: WhatsApp allows at most " + MAX_CAPTION_LENGTH + " in a caption");
        }
        if (filename != null && !"document".equals(kind)) {
            problems.add("media filename is for documents only (media type " + Excerpt.quoted(type) + "): leave it "
                    + "out, or send the file as a document");
        } else if (filename != null && (filename.length() > 240 || filename.matches(".*[/\\\\\\p{Cntrl}].*"))) {
            problems.add("media filename " + Excerpt.quoted(filename) + " must be a plain file name of at most 240 "
                    + "characters, without slashes");
        }
        if (problems.size() > before) {
            return null;
        }
        return new MediaRef(kind, link.strip(), caption, filename);
    }

    /** An https URL with a host and no user information (credentials in a link would be sent to WhatsApp). */
    private static void checkHttpsLink(String link, List<String> problems) {
        java.net.URI uri;
        try {
            uri = new java.net.URI(link);
        } catch (java.net.URISyntaxException e) {
            problems.add("media link " + Excerpt.quoted(link) + " is not a URL: " + e.getReason());
            return;
        }
        if (!"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            problems.add("media link " + Excerpt.quoted(link) + " must be an https:// address WhatsApp can fetch");
        } else if (uri.getRawUserInfo() != null) {
            problems.add("media link must not carry a user name or password (they would reach WhatsApp): use a "
                    + "link that needs none, such as a signed URL");
        } else if (link.length() > MAX_LINK_LENGTH) {
            problems.add("media link is " + link.length() + " characters long: at most " + MAX_LINK_LENGTH);
        }
    }

    private static int storedLength(Object params) {
        try {
            return PARAMS_JSON.writeValueAsString(params).length();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise template parameters", e);
        }
    }

    private static TemplateRef checkTemplate(NotificationRequest request, List<String> problems) {
        if (blank(request.templateName())) {
            return null;
        }
        String name = request.templateName().trim();
        boolean ok = true;
        if (!TEMPLATE_NAME.matcher(name).matches()) {
            problems.add("template name " + Excerpt.quoted(name)
                    + " is not valid: template names use lower-case letters, digits and '_'");
            ok = false;
        }
        String language = blank(request.templateLanguage()) ? null : request.templateLanguage().trim();
        if (language == null) {
            problems.add("template " + Excerpt.quoted(name)
                    + " has no language: give the approved language code, e.g. en_US");
            ok = false;
        } else if (!LANGUAGE_CODE.matcher(language).matches()) {
            problems.add("template language " + Excerpt.quoted(language)
                    + " is not a language code such as en, en_US or pt_BR");
            ok = false;
        }
        List<String> positional = request.positionalParams();
        Map<String, String> named = new LinkedHashMap<>();
        request.namedParams().forEach((key, value) -> named.put(key.trim(), value));
        if (!positional.isEmpty() && !named.isEmpty()) {
            problems.add("template " + Excerpt.quoted(name)
                    + " has both positional (param1...) and named (param:NAME) parameters: "
                    + "a template uses one format only");
            ok = false;
        }
        for (int i = 0; i < positional.size(); i++) {
            if (positional.get(i) == null || positional.get(i).isEmpty()) {
                problems.add("template parameter " + (i + 1) + " is empty while a later one is set: positional "
                        + "parameters must be filled in order without gaps");
                ok = false;
                break;
            }
        }
        for (Map.Entry<String, String> param : named.entrySet()) {
            if (!PARAM_NAME.matcher(param.getKey()).matches()) {
                problems.add("template parameter name " + Excerpt.quoted(param.getKey())
                        + " is not valid: named parameters use lower-case letters, digits and '_'");
                ok = false;
            } else if (param.getValue() == null || param.getValue().isEmpty()) {
                problems.add("template parameter " + Excerpt.quoted(param.getKey()) + " is empty");
                ok = false;
            }
        }
        int stored = storedLength(named.isEmpty() ? positional : named);
        if (stored > MAX_STORED_PARAMS) {
            problems.add("template " + Excerpt.quoted(name) + " has parameters " + stored + " characters long in all "
                    + "(as stored, in JSON): at most " + MAX_STORED_PARAMS + " are allowed; shorten them");
            ok = false;
        }
        TemplateRef.Header header = null;
        List<TemplateRef.Button> buttons = new ArrayList<>();
        Map<String, TemplateRef.Typed> typed = new LinkedHashMap<>();
        for (Map.Entry<String, String> part : request.templateParts().entrySet()) {
            String key = part.getKey().trim().toLowerCase(Locale.ROOT);
            String value = part.getValue() == null ? "" : part.getValue().trim();
            if (value.isEmpty() || key.equals("header_filename")) {
                continue;
            }
            if (part.getKey().startsWith(TYPED_PREFIX)) {
                String param = part.getKey().substring(TYPED_PREFIX.length());
                boolean exists = param.chars().allMatch(Character::isDigit)
                        ? Integer.parseInt(param) >= 1 && Integer.parseInt(param) <= positional.size()
                        : named.containsKey(param);
                TemplateRef.Typed t = typed(param, value, problems);
                if (!exists) {
                    problems.add("template parameter " + Excerpt.of(param) + " has a type but no value");
                    ok = false;
                } else if (t == null) {
                    ok = false;
                } else {
                    typed.put(param, t);
                }
                continue;
            }
            java.util.regex.Matcher button = BUTTON_PART.matcher(key);
            if (key.startsWith("header_") && HEADER_FORMATS.contains(key.substring(7))) {
                String format = key.substring(7).toUpperCase(Locale.ROOT);
                if (header != null) {
                    problems.add("template " + Excerpt.quoted(name)
                            + " has two header parameters (" + header.format().toLowerCase(
                            Locale.ROOT) + " and " + format.toLowerCase(Locale.ROOT) + "): a template has one header");
                    ok = false;
                } else if (!format.equals("TEXT") && !value.matches("https?://\\S+")) {
                    problems.add("header_" + key.substring(7) + " must be an http(s) link to the media, was "
                            + Excerpt.quoted(value));
                    ok = false;
                } else {
                    String filename = format.equals("DOCUMENT") ? request.templateParts().get("header_filename") : null;
                    header = new TemplateRef.Header(format, value, blank(filename) ? null : filename.trim());
                }
            } else if (button.matches()) {
                buttons.add(new TemplateRef.Button(Integer.parseInt(button.group(1)),
                        button.group(2).toUpperCase(Locale.ROOT), value));
            } else {
                problems.add(Excerpt.quoted(part.getKey()) + " is not a template part: use header_text, header_image, "
                        + "header_video, header_document (with header_filename), or button:N:url, "
                        + "button:N:quick_reply, button:N:copy_code (N = the button's position from 0)");
                ok = false;
            }
        }
        buttons.sort(java.util.Comparator.comparingInt(TemplateRef.Button::index));
        for (int i = 1; i < buttons.size(); i++) {
            if (buttons.get(i).index() == buttons.get(i - 1).index()) {
                problems.add("template " + Excerpt.quoted(name)
                        + " has two parameters for button " + buttons.get(i).index());
                ok = false;
            }
        }
        if (header != null || !buttons.isEmpty() || !typed.isEmpty()) {
            // the same fields the store writes, so the same length
            Map<String, Object> parts = new LinkedHashMap<>();
            parts.put("header", header);
            parts.put("buttons", buttons);
            parts.put("typed", typed);
            int storedParts = storedLength(parts);
            if (storedParts > MAX_STORED_PARTS) {
                problems.add("template " + Excerpt.quoted(name) + " has header and button parameters " + storedParts
                        + " characters long in all (as stored, in JSON): at most " + MAX_STORED_PARTS
                        + " are allowed; shorten them");
                ok = false;
            }
        }
        return ok ? new TemplateRef(name, language, positional, named, header, buttons, typed) : null;
    }

    /**
     * A typed body parameter as the sources hand it over (see {@link #TYPED_PREFIX}): "currency CODE AMOUNT|fallback"
     * or "date_time|fallback". Null, with the problem, when it is not usable.
     */
    private static TemplateRef.Typed typed(String param, String value, List<String> problems) {
        String[] kindAndFallback = value.split("\\|", 2);
        String fallback = kindAndFallback.length > 1 ? kindAndFallback[1].trim() : "";
        if (fallback.isEmpty()) {
            problems.add("template parameter " + Excerpt.of(param) + " needs a fallback text");
            return null;
        }
        String[] kind = kindAndFallback[0].trim().split("\\s+");
        if (kind[0].equals("date_time")) {
            return new TemplateRef.Typed("date_time", fallback, null, null);
        }
        if (kind[0].equals("currency") && kind.length == 3 && kind[1].matches("[A-Z]{3}")) {
            try {
                long amount1000 = new java.math.BigDecimal(kind[2]).movePointRight(3).longValueExact();
                return new TemplateRef.Typed("currency", fallback, kind[1], amount1000);
            } catch (ArithmeticException | NumberFormatException e) {
                // reported below
            }
        }
        problems.add("template parameter " + Excerpt.of(param)
                + " is not a currency such as 'USD 10.50' (an ISO 4217 code and an "
                + "amount) nor a date_time");
        return null;
    }

    private static Instant checkSendAt(String raw, List<String> problems) {
        if (blank(raw)) {
            return null;
        }
        try {
            return OffsetDateTime.parse(raw.trim()).toInstant();
        } catch (DateTimeParseException e) {
            problems.add("sendAt " + Excerpt.quoted(raw.trim()) + " is not an ISO-8601 instant with a zone: write e.g. "
                    + "2026-12-01T09:00:00Z or 2026-12-01T10:00:00+01:00");
            return null;
        }
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }
}
