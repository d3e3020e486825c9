package io.cdcsentinel.alerts;

import java.util.Optional;
import java.util.Set;

/**
 * Which tenants a reader wants: {@code --customer} (any of them; none = all) and {@code --profile}. Applied to
 * the key's customer/profile, which every gap event and roll-up repeats in its value.
 */
public record AlertFilter(Set<String> customers, Optional<String> profile) {
    public static final AlertFilter ALL = new AlertFilter(Set.of(), Optional.empty());

    public AlertFilter {
        customers = Set.copyOf(customers);
    }

    public boolean matches(String customer, String profileId) {
        return (customers.isEmpty() || customers.contains(customer)) && profile.map(p -> p.equals(profileId)).orElse(true);
    }
}
