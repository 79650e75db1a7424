package io.windowgate;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Properties;

import io.windowgate.notification.BusinessNumbers;
import io.windowgate.sandbox.SandboxProvider;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.PropertiesComponent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The provider mode, decided before anything is wired: the WhatsApp Cloud API when an access token is set, else the
 * built-in sandbox served on this instance (with demo tokens for the APIs, so the README's walkthrough works at once).
 */
final class ProviderMode {

    private static final Logger LOG = LoggerFactory.getLogger(ProviderMode.class);
    /** The sandbox's send endpoints, /sandbox/&lt;phone number id&gt;/messages, served by routes/sandbox-messages.camel.yaml. */
    static final String SANDBOX_PATH = "/sandbox";
    /** The CRM push token of sandbox mode when none is configured (documented in the README; never in Cloud API mode). */
    static final String CRM_TOKEN = "sandbox";
    /** The operations API token of sandbox mode when none is configured (documented in the README; never in Cloud API mode). */
    static final String ADMIN_TOKEN = "sandbox";

    private ProviderMode() {
    }

    /**
     * Decides between the Cloud API and the built-in sandbox. Without an access token every send goes to the sandbox
     * served on this instance, and a random app secret signs its webhooks unless one is configured. With a token, the
     * app secret and a real endpoint are required: refuse to start rather than run half-configured.
     */
    static void apply(CamelContext context, Settings settings) {
        PropertiesComponent properties = context.getPropertiesComponent();
        Properties overrides = new Properties();
        boolean sandbox = settings.get("whatsapp.access-token").isBlank();
        String local = "http://localhost:" + settings.get("camel.server.port");
        overrides.setProperty("sandbox.enabled", Boolean.toString(sandbox));
        if (settings.get("sandbox.webhook-url").isBlank()) {
            overrides.setProperty("sandbox.webhook-url", local + "/webhooks/whatsapp");
        }
        String messagesUrl = local + SANDBOX_PATH + "/" + sandboxDefaultId(settings) + "/messages";
        if (sandbox) {
            overrides.setProperty("whatsapp.session.url", messagesUrl);
            overrides.setProperty("whatsapp.template.url", messagesUrl);
            if (settings.get("whatsapp.app-secret").isBlank()) {
                byte[] secret = new byte[32];
                new SecureRandom().nextBytes(secret);
                overrides.setProperty("whatsapp.app-secret", HexFormat.of().formatHex(secret));
            }
            // the sandbox sends no real token; a visible placeholder keeps the Authorization header well-formed
            overrides.setProperty("whatsapp.access-token", "sandbox");
            if (settings.get("crm.api-token").isBlank()) {
                // lets a new user try CRM push at once; nothing reaches WhatsApp in sandbox mode anyway
                overrides.setProperty("crm.api-token", CRM_TOKEN);
                LOG.warn("SANDBOX MODE: crm.api-token is empty, so CRM push accepts the demo token '{}'. Set "
                        + "CRM_API_TOKEN before connecting a real CRM.", CRM_TOKEN);
            }
            if (settings.get("admin.api-token").isBlank()) {
                overrides.setProperty("admin.api-token", ADMIN_TOKEN);
                LOG.warn("SANDBOX MODE: admin.api-token is empty, so the operations API accepts the demo token '{}'. "
                        + "Set ADMIN_API_TOKEN before going live.", ADMIN_TOKEN);
            }
            LOG.warn("SANDBOX MODE: whatsapp.access-token is empty, so messages go to the built-in sandbox provider at {}"
                    + " and nothing reaches WhatsApp. Simulate a customer writing in with: curl -X POST -d 'hello' "
                    + "{}/sandbox/customers/<phone>/messages", messagesUrl, local);
        } else {
            if (settings.get("whatsapp.app-secret").isBlank()) {
                throw new IllegalStateException("whatsapp.app-secret is empty: with an access token set, webhooks must "
                        + "be verified. Set WHATSAPP_APP_SECRET to the App Secret of your Meta app.");
            }
            for (String key : new String[] {"whatsapp.session.url", "whatsapp.template.url"}) {
                String url = settings.get(key);
                if (url.contains("//messages") || !url.matches("https?://.+")) {
                    throw new IllegalStateException(key + " is '" + url + "': set whatsapp.phone-number-id (the id of "
                            + "your business number) or set " + key + " to the full messages endpoint URL.");
                }
            }
        }
        overrides.forEach((key, value) -> properties.addOverrideProperty((String) key, (String) value));
    }

    /** The default number's id in sandbox mode: the configured one, else the sandbox's made-up one. */
    private static String sandboxDefaultId(Settings settings) {
        String id = settings.get("whatsapp.phone-number-id");
        return id.isBlank() ? SandboxProvider.DEFAULT_PHONE_NUMBER_ID : id;
    }

    /**
     * The business numbers (after {@link #apply}): in sandbox mode the sandbox plays every one of them, each at its own
     * /sandbox/&lt;id&gt;/messages; with the Cloud API each sends to &lt;whatsapp.api-base-url&gt;/&lt;id&gt;/messages,
     * the default to whatsapp.session.url and whatsapp.template.url.
     */
    static BusinessNumbers numbers(CamelContext context, Settings settings) {
        boolean sandbox = Boolean.parseBoolean(settings.get("sandbox.enabled"));
        String base = "http://localhost:" + settings.get("camel.server.port") + SANDBOX_PATH;
        BusinessNumbers numbers = Numbers.read(context, settings, sandbox ? base : null,
                SandboxProvider.DEFAULT_PHONE_NUMBER_ID);
        if (numbers.all().size() > 1) {
            LOG.info("Business numbers: {} (the first is the default sender)", numbers.aliases());
        }
        return numbers;
    }
}
