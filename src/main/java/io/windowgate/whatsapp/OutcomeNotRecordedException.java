package io.windowgate.whatsapp;

import java.sql.SQLException;

/**
 * A send's outcome (accepted, or failed) could not be stored: the database failed, not the provider. The notification
 * keeps its outbox claim and is tried again when the claim ends, without using up a retry. Thrown through the route so
 * that its caller (outbox-dispatch, the CSV drop) sees the failure; already logged with the notification's id.
 */
public final class OutcomeNotRecordedException extends RuntimeException {

    OutcomeNotRecordedException(String message, SQLException cause) {
        super(message, cause);
    }
}
