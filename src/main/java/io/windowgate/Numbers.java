package io.windowgate;

import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

import io.windowgate.notification.BusinessNumbers;
import io.windowgate.notification.BusinessNumbers.BusinessNumber;
import org.apache.camel.CamelContext;

/**
 * Reads the business numbers from the configuration: the default (whatsapp.phone-number-id, the session and template
 * URLs) and every whatsapp.numbers.&lt;alias&gt;.* key, wherever it is set. Camel's properties component resolves a
 * key it is asked for from every source, but it enumerates only its own (application.properties, overrides): keys set
 * only as -D or environment variables are found here by scanning those too.
 */
final class Numbers {

    private static final String ENV_PREFIX = "WHATSAPP_NUMBERS_";

    private Numbers() {
    }

    /** The numbers; {@code sandboxBase} is the sandbox's URL in sandbox mode (null with the Cloud API). */
    static BusinessNumbers read(CamelContext context, Settings settings, String sandboxBase, String sandboxDefaultId) {
        Map<String, String> keys = new TreeMap<>();
        Properties own = context.getPropertiesComponent().loadProperties(k -> k.startsWith(BusinessNumbers.PREFIX));
        own.stringPropertyNames().forEach(k -> keys.put(k, own.getProperty(k)));
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith(BusinessNumbers.PREFIX))
                .forEach(k -> keys.put(k, System.getProperty(k)));
        System.getenv().forEach((name, value) -> {
            String key = fromEnvironment(name);
            if (key != null) {
                keys.put(key, value);
            }
        });
        // the value as Camel resolves it: an environment variable overrides application.properties
        keys.replaceAll((k, v) -> settings.get(k));
        String defaultId = BusinessNumbers.checkDefaultId(settings.get("whatsapp.phone-number-id"));
        double rate = settings.getDouble("whatsapp.max-messages-per-second");
        BusinessNumbers numbers;
        if (sandboxBase != null) {
            String id = defaultId.isEmpty() ? sandboxDefaultId : defaultId;
            numbers = BusinessNumbers.of(new BusinessNumber(BusinessNumbers.DEFAULT, id, rate,
                    sandboxBase + "/" + id + "/messages", sandboxBase + "/" + id + "/messages"), keys,
                    n -> sandboxBase + "/" + n + "/messages");
        } else {
            String base = settings.get("whatsapp.api-base-url");
            numbers = BusinessNumbers.of(new BusinessNumber(BusinessNumbers.DEFAULT, defaultId, rate,
                    settings.get("whatsapp.session.url"), settings.get("whatsapp.template.url")), keys,
                    n -> base + "/" + n + "/messages");
            if (defaultId.isEmpty() && numbers.all().size() > 1) {
                throw new IllegalStateException("whatsapp.phone-number-id is empty while other numbers are configured ("
                        + numbers.aliases() + "): set it, so that webhooks of the default number can be told from "
                        + "those of numbers Windowgate does not send from");
            }
        }
        return numbers;
    }

    /**
     * WHATSAPP_NUMBERS_BRAND_B_ID is whatsapp.numbers.brand-b.id: in an environment variable's name an alias's '-' is
     * '_', so an alias read from the environment never holds '_' (which an alias may not hold anyway).
     */
    static String fromEnvironment(String name) {
        if (!name.startsWith(ENV_PREFIX)) {
            return null;
        }
        String rest = name.substring(ENV_PREFIX.length());
        for (String setting : new String[] {"MAX_MESSAGES_PER_SECOND", "ID"}) {
            if (rest.endsWith("_" + setting) && rest.length() > setting.length() + 1) {
                String alias = rest.substring(0, rest.length() - setting.length() - 1);
                return BusinessNumbers.PREFIX + alias.toLowerCase(Locale.ROOT).replace('_', '-') + "."
                        + setting.toLowerCase(Locale.ROOT).replace('_', '-');
            }
        }
        return BusinessNumbers.PREFIX + rest.toLowerCase(Locale.ROOT);
    }
}
