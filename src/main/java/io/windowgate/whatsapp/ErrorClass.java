package io.windowgate.whatsapp;

import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What Windowgate does about a provider error, decided by the Cloud API {@code error.code} (never by message text), the
 * same for an HTTP error answer and for a {@code failed} status webhook. The README's error table is this enum.
 */
public enum ErrorClass {

    /** Temporary trouble at the provider: try again later, with exponential back-off and jitter, up to the limit. */
    RETRY(1, 2, 131000, 131016, 131057, 133004),
    /** Too many messages for the business number or app: wait for Retry-After (or back off), then send again. */
    THROTTLED(4, 80007, 130429),
    /** Too many messages to this one recipient: delay only that recipient's notifications. */
    PAIR_RATE(131056),
    /** The customer service window is closed: send the template instead, or hold the notification. */
    REROUTE(131047),
    /** Nothing to do for this account until someone acts: pause all sending and keep everything queued. */
    ACCOUNT(0, 3, 10, 190, 368, 131031, 131042, 131048, 133010),
    /** This notification cannot be sent as it is: FAILED with the code and details. */
    PERMANENT(100, 131008, 131009, 131021, 131026, 131049, 131050, 131051, 131052, 131053, 130472,
            132000, 132001, 132005, 132007, 132012, 132015, 132016, 132068, 132069),
    /** The request may or may not have reached the provider (a timeout after it was sent): reconcile, then resend. */
    UNKNOWN_OUTCOME;

    private static final Map<Integer, ErrorClass> BY_CODE = Stream.of(values())
            .flatMap(c -> c.codes.stream().map(code -> Map.entry(code, c)))
            .collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, Map.Entry::getValue));

    private final Set<Integer> codes;

    ErrorClass(Integer... codes) {
        this.codes = Set.of(codes);
    }

    /** The error codes listed for this class. */
    public Set<Integer> codes() {
        return codes;
    }

    /**
     * The class of a provider error. A code in the table decides. Without a known code the HTTP status does: 429 is
     * throttling, 5xx is temporary, 401/403 are account-level, any other 4xx is permanent. An unknown code in a failed
     * status webhook (no HTTP status) is permanent: FAILED with its code, for a person to look at and retry.
     */
    public static ErrorClass of(ProviderError error) {
        if (error.code() != null && BY_CODE.containsKey(error.code())) {
            return BY_CODE.get(error.code());
        }
        int http = error.httpStatus();
        if (http == 429) {
            return THROTTLED;
        }
        if (http == 401 || http == 403) {
            return ACCOUNT;
        }
        return http >= 500 ? RETRY : PERMANENT;
    }
}
