package io.cdcsentinel.sim;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The fixed names a workload draws from: tenants, agents, use cases, templates and their criteria. Customers
 * are skewed (weight 1/k for the k-th) because production is: the largest customer creates most scorecards.
 */
final class Catalog {
    static final int AGENTS_PER_TENANT = 12;
    static final int USECASES = 6;
    static final int TEMPLATES = 8;
    static final int PROCESS_TEMPLATES = 3;

    private final List<Tenant> tenants = new ArrayList<>();
    private final double[] customerCumulative;
    private final int profiles;
    private final Map<String, List<String>> criteria = new HashMap<>();

    Catalog(int customers, int profiles) {
        this.profiles = profiles;
        customerCumulative = new double[customers];
        double sum = 0;
        for (int c = 1; c <= customers; c++) {
            sum += 1.0 / c;
            customerCumulative[c - 1] = sum;
            for (int p = 1; p <= profiles; p++) {
                tenants.add(new Tenant(String.format("customer-%02d", c), String.format("profile-%d", p)));
            }
        }
        for (int i = 0; i < customers; i++) {
            customerCumulative[i] /= sum;
        }
    }

    /** A tenant, customers weighted 1/k, profiles uniform within the customer. */
    Tenant tenant(SplittableRandom rng) {
        double u = rng.nextDouble();
        int c = 0;
        while (c < customerCumulative.length - 1 && u >= customerCumulative[c]) {
            c++;
        }
        return tenants.get(c * profiles + rng.nextInt(profiles));
    }

    /** Another profile of the same customer (a fabricated one when the customer has a single profile). */
    String otherProfile(Tenant tenant, SplittableRandom rng) {
        if (profiles == 1) {
            return "profile-0";
        }
        int own = Integer.parseInt(tenant.profile().substring("profile-".length()));
        int other = 1 + rng.nextInt(profiles - 1);
        return "profile-" + (other >= own ? other + 1 : other);
    }

    String agent(Tenant tenant, SplittableRandom rng) {
        return agentName(tenant, 1 + rng.nextInt(AGENTS_PER_TENANT));
    }

    String otherAgent(Tenant tenant, String current, SplittableRandom rng) {
        String next;
        do {
            next = agent(tenant, rng);
        } while (next.equals(current));
        return next;
    }

    String usecase(SplittableRandom rng) {
        return "usecase-" + (1 + rng.nextInt(USECASES));
    }

    String otherUsecase(String current, SplittableRandom rng) {
        String next;
        do {
            next = usecase(rng);
        } while (next.equals(current));
        return next;
    }

    String template(SplittableRandom rng) {
        return "template-" + (1 + rng.nextInt(TEMPLATES));
    }

    String processTemplate(SplittableRandom rng) {
        return "process-template-" + (1 + rng.nextInt(PROCESS_TEMPLATES));
    }

    String batchTemplate() {
        return "batch-template-1";
    }

    /** 3 to 6 criteria per template, fixed by its name. Not thread-safe: the planner alone calls it. */
    List<String> criteria(String templateId) {
        return criteria.computeIfAbsent(templateId, Catalog::criteriaOf);
    }

    private static List<String> criteriaOf(String templateId) {
        int n = 3 + Math.floorMod(templateId.hashCode(), 4);
        List<String> c = new ArrayList<>(n);
        for (int i = 1; i <= n; i++) {
            c.add(templateId + "/criterion-" + i);
        }
        return List.copyOf(c);
    }

    private static String agentName(Tenant tenant, int n) {
        return String.format("agent-%s-%s-%02d", tenant.customer().substring("customer-".length()),
                tenant.profile().substring("profile-".length()), n);
    }
}
