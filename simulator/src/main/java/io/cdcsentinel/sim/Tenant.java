package io.cdcsentinel.sim;

/**
 * One customer/profile. The director tables call the columns {@code customer}/{@code profile}, the
 * historic and app tables {@code customer_id}/{@code profile_id}: same values, both spellings kept.
 */
public record Tenant(String customer, String profile) {
}
