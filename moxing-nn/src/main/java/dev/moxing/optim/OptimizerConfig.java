package dev.moxing.optim;

import dev.moxing.optim.schedule.LrSchedule;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An optimizer as plain data, for the JSON beside a checkpoint (Keras's {@code get_config} /
 * {@code from_config}):
 * <pre>
 * {"name": "adam", "learning_rate": 0.002, "weight_decay": 0.0, "beta_1": 0.9, "beta_2": 0.999,
 *  "epsilon": 1e-8, "amsgrad": false,
 *  "schedule": {"type": "WarmupCosine", "warmupSteps": 234, "totalSteps": 2345, "minLr": 0.0}}
 * </pre>
 * A schedule is stored when it is one of the record schedules of {@code dev.moxing.optim.schedule}
 * (its components by name); a lambda or other class cannot be written, and {@link #describe} says so.
 */
public final class OptimizerConfig {
    private static final String SCHEDULES = LrSchedule.class.getPackageName();

    private OptimizerConfig() {
    }

    /** The optimizer's {@link Optimizer#config()} plus its schedule. */
    public static Map<String, Object> describe(Optimizer optimizer) {
        Map<String, Object> c = new LinkedHashMap<>(optimizer.config());
        LrSchedule s = optimizer.schedule();
        if (s != null) c.put("schedule", describe(s));
        return c;
    }

    private static Map<String, Object> describe(LrSchedule s) {
        Class<?> type = s.getClass();
        if (!type.isRecord() || !type.getPackageName().equals(SCHEDULES)) {
            throw new IllegalArgumentException("the learning-rate schedule " + type.getName() + " cannot be saved: only the"
                    + " record schedules of " + SCHEDULES + " (WarmupCosine, CosineAnnealingLR, StepLR, …) can");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type.getSimpleName());
        try {
            for (RecordComponent rc : type.getRecordComponents()) m.put(rc.getName(), rc.getAccessor().invoke(s));
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("reading " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
        return m;
    }

    /**
     * The optimizer a {@link #describe} map stands for, unbound, with its schedule. Missing
     * settings take the class's defaults; an unknown name or a wrong value fails naming it.
     */
    public static Optimizer create(Map<String, ?> c) {
        Settings a = new Settings(c);
        String name = a.text("name");
        double lr = a.number("learning_rate", 1e-3);
        Optimizer o = switch (name) {
            case "adam" -> new Adam(lr, a.number("beta_1", 0.9), a.number("beta_2", 0.999), a.number("epsilon", 1e-8),
                    a.number("weight_decay", 0), a.flag("amsgrad"));
            case "adamw" -> new AdamW(lr, a.number("beta_1", 0.9), a.number("beta_2", 0.999), a.number("epsilon", 1e-8),
                    a.number("weight_decay", 0.01), a.flag("amsgrad"));
            case "sgd" -> new SGD(lr, a.number("momentum", 0), a.number("dampening", 0), a.flag("nesterov"),
                    a.number("weight_decay", 0));
            case "rmsprop" -> new RMSprop(lr, a.number("rho", 0.99), a.number("epsilon", 1e-8), a.number("weight_decay", 0),
                    a.number("momentum", 0), a.flag("centered"));
            case "adagrad" -> new Adagrad(lr, a.number("lr_decay", 0), a.number("weight_decay", 0),
                    a.number("initial_accumulator_value", 0), a.number("epsilon", 1e-10));
            default -> throw new IllegalArgumentException("optimizer: unknown name '" + name + "' (adam, adamw, sgd, rmsprop, adagrad)");
        };
        if (c.get("schedule") instanceof Map<?, ?> s) o.schedule(schedule(s));
        else if (c.get("schedule") != null) throw new IllegalArgumentException("optimizer: 'schedule' must be an object");
        return o;
    }

    private static LrSchedule schedule(Map<?, ?> spec) {
        Object type = spec.get("type");
        Class<?> cls;
        try {
            cls = Class.forName(SCHEDULES + "." + type);
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("optimizer: unknown schedule type '" + type + "'");
        }
        if (!cls.isRecord() || !LrSchedule.class.isAssignableFrom(cls)) {
            throw new IllegalArgumentException("optimizer: '" + type + "' is not a schedule");
        }
        RecordComponent[] rcs = cls.getRecordComponents();
        Class<?>[] types = new Class<?>[rcs.length];
        Object[] args = new Object[rcs.length];
        for (int i = 0; i < rcs.length; i++) {
            types[i] = rcs[i].getType();
            if (!(spec.get(rcs[i].getName()) instanceof Number n)) {
                throw new IllegalArgumentException("optimizer: schedule " + type + " needs a number '" + rcs[i].getName() + "'");
            }
            args[i] = types[i] == long.class ? (Object) n.longValue() : types[i] == int.class ? (Object) n.intValue()
                    : (Object) n.doubleValue();
        }
        try {
            Constructor<?> ctor = cls.getDeclaredConstructor(types);
            return (LrSchedule) ctor.newInstance(args);
        } catch (InvocationTargetException e) {
            throw new IllegalArgumentException("optimizer: schedule " + type + ": " + e.getCause().getMessage(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("optimizer: cannot rebuild schedule " + type + ": " + e.getMessage(), e);
        }
    }

    /** Typed reads with the key named in every failure. */
    private record Settings(Map<String, ?> map) {
        String text(String key) {
            if (!(map.get(key) instanceof String s)) throw new IllegalArgumentException("optimizer: '" + key + "' must be a string");
            return s;
        }

        double number(String key, double fallback) {
            Object v = map.get(key);
            if (v == null) return fallback;
            if (!(v instanceof Number n)) throw new IllegalArgumentException("optimizer: '" + key + "' must be a number, got " + v);
            return n.doubleValue();
        }

        boolean flag(String key) {
            Object v = map.get(key);
            if (v == null) return false;
            if (!(v instanceof Boolean b)) throw new IllegalArgumentException("optimizer: '" + key + "' must be true or false, got " + v);
            return b;
        }
    }
}
