package io.patchwork.node.channel;

import io.patchwork.node.config.ConfigException;
import io.patchwork.node.config.ConfigException.Code;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import org.hyperledger.fabric.protos.common.Config;
import org.hyperledger.fabric.protos.common.ConfigGroup;
import org.hyperledger.fabric.protos.common.ConfigPolicy;
import org.hyperledger.fabric.protos.common.ConfigUpdate;
import org.hyperledger.fabric.protos.common.ConfigValue;

/**
 * Fabric's config updates between two channel configs, with Fabric's rules for versions, so that
 * Fabric's tools compute the same update from the same two configs ({@code configtxlator
 * compute_update}) and an orderer would reach the same next config from it.
 *
 * <p>{@link #compute}: the read set names, at their current versions, the elements the change
 * depends on; the write set holds what changes — a value or policy changed or added gets the next
 * version (0 when new), a group whose set of members or mod policy changes gets the next version
 * and lists all its members, a group with only changed members keeps its version. {@link #apply}:
 * the read set must match the config's versions, every element the write set changes must move
 * exactly one version on (or be new at 0), and the result is the config with those elements
 * replaced (members dropped from a group whose version moved) and the sequence one higher. So
 * {@code apply(a, compute(a, b))} is {@code b} with Fabric's versions. Stateless and thread-safe.
 */
public final class ConfigUpdates {
  private ConfigUpdates() {}

  /**
   * The update from {@code from} to {@code to} for {@code channelId}; the versions in {@code to}
   * are ignored.
   *
   * @throws ConfigException {@code INVALID_CONFIG_UPDATE} if the two configs do not differ
   */
  public static ConfigUpdate compute(String channelId, Config from, Config to)
      throws ConfigException {
    Objects.requireNonNull(channelId, "channelId");
    GroupUpdate update = groupUpdate(from.getChannelGroup(), to.getChannelGroup());
    if (!update.changed) {
      throw new ConfigException(
          Code.INVALID_CONFIG_UPDATE, "the two configs do not differ: there is nothing to update");
    }
    return ConfigUpdate.newBuilder()
        .setChannelId(channelId)
        .setReadSet(update.read)
        .setWriteSet(update.write)
        .build();
  }

  /**
   * The config {@code update} leads to from {@code current}, with the next sequence.
   *
   * @throws ConfigException {@code INVALID_CONFIG_UPDATE} if it is for another channel, its read
   *     set does not match, a version skips, it changes nothing, or it names a member it does not
   *     hold
   */
  public static Config apply(String channelId, Config current, ConfigUpdate update)
      throws ConfigException {
    Objects.requireNonNull(channelId, "channelId");
    if (!update.getChannelId().equals(channelId)) {
      throw refused("the update is for channel '" + update.getChannelId() + "', not " + channelId);
    }
    Map<String, Element> existing = new HashMap<>();
    flatten("/Channel", current.getChannelGroup(), existing);
    Map<String, Element> read = new HashMap<>();
    flatten("/Channel", update.getReadSet(), read);
    Map<String, Element> written = new HashMap<>();
    flatten("/Channel", update.getWriteSet(), written);
    for (Map.Entry<String, Element> entry : new TreeMap<>(read).entrySet()) {
      Element now = existing.get(entry.getKey());
      if (now == null) {
        throw refused("the read set names " + entry.getKey() + ", which the config does not hold");
      }
      if (now.version() != entry.getValue().version()) {
        throw refused(
            "the read set has "
                + entry.getKey()
                + " at version "
                + entry.getValue().version()
                + "; it is at version "
                + now.version());
      }
    }
    Map<String, Element> delta = new TreeMap<>();
    for (Map.Entry<String, Element> entry : written.entrySet()) {
      Element before = read.get(entry.getKey());
      if (before == null || before.version() != entry.getValue().version()) {
        delta.put(entry.getKey(), entry.getValue());
      }
    }
    if (delta.isEmpty()) {
      throw refused("the update changes nothing");
    }
    for (Map.Entry<String, Element> entry : delta.entrySet()) {
      Element now = existing.get(entry.getKey());
      long expected = now == null ? 0 : now.version() + 1;
      if (entry.getValue().version() != expected) {
        throw refused(
            "the update sets "
                + entry.getKey()
                + " to version "
                + entry.getValue().version()
                + "; the next one is "
                + expected);
      }
    }
    Map<String, Element> result = new HashMap<>(existing);
    result.putAll(delta);
    return Config.newBuilder()
        .setSequence(current.getSequence() + 1)
        .setChannelGroup(rebuild("/Channel", result))
        .build();
  }

  /** Fabric's computeGroupUpdate: the read and write sets for one group, and whether it changed. */
  private static GroupUpdate groupUpdate(ConfigGroup original, ConfigGroup updated) {
    ConfigGroup.Builder readSet = ConfigGroup.newBuilder().setVersion(original.getVersion());
    ConfigGroup.Builder writeSet = ConfigGroup.newBuilder();
    Map<String, ConfigPolicy> samePolicies = new TreeMap<>();
    boolean policiesMembers = false;
    for (Map.Entry<String, ConfigPolicy> entry : sorted(original.getPoliciesMap()).entrySet()) {
      ConfigPolicy next = updated.getPoliciesMap().get(entry.getKey());
      if (next == null) {
        policiesMembers = true;
      } else if (next.getModPolicy().equals(entry.getValue().getModPolicy())
          && next.getPolicy().equals(entry.getValue().getPolicy())) {
        samePolicies.put(
            entry.getKey(),
            ConfigPolicy.newBuilder().setVersion(entry.getValue().getVersion()).build());
      } else {
        writeSet.putPolicies(
            entry.getKey(), next.toBuilder().setVersion(entry.getValue().getVersion() + 1).build());
      }
    }
    for (Map.Entry<String, ConfigPolicy> entry : sorted(updated.getPoliciesMap()).entrySet()) {
      if (!original.getPoliciesMap().containsKey(entry.getKey())) {
        policiesMembers = true;
        writeSet.putPolicies(entry.getKey(), entry.getValue().toBuilder().setVersion(0).build());
      }
    }
    Map<String, ConfigValue> sameValues = new TreeMap<>();
    boolean valuesMembers = false;
    for (Map.Entry<String, ConfigValue> entry : sorted(original.getValuesMap()).entrySet()) {
      ConfigValue next = updated.getValuesMap().get(entry.getKey());
      if (next == null) {
        valuesMembers = true;
      } else if (next.getModPolicy().equals(entry.getValue().getModPolicy())
          && next.getValue().equals(entry.getValue().getValue())) {
        sameValues.put(
            entry.getKey(),
            ConfigValue.newBuilder().setVersion(entry.getValue().getVersion()).build());
      } else {
        writeSet.putValues(
            entry.getKey(), next.toBuilder().setVersion(entry.getValue().getVersion() + 1).build());
      }
    }
    for (Map.Entry<String, ConfigValue> entry : sorted(updated.getValuesMap()).entrySet()) {
      if (!original.getValuesMap().containsKey(entry.getKey())) {
        valuesMembers = true;
        writeSet.putValues(entry.getKey(), entry.getValue().toBuilder().setVersion(0).build());
      }
    }
    Map<String, ConfigGroup> sameGroups = new TreeMap<>();
    boolean groupsMembers = false;
    boolean childGroupsChanged = false;
    for (Map.Entry<String, ConfigGroup> entry : sorted(original.getGroupsMap()).entrySet()) {
      ConfigGroup next = updated.getGroupsMap().get(entry.getKey());
      if (next == null) {
        groupsMembers = true;
        continue;
      }
      GroupUpdate child = groupUpdate(entry.getValue(), next);
      if (!child.changed) {
        sameGroups.put(entry.getKey(), child.read);
        continue;
      }
      childGroupsChanged = true;
      readSet.putGroups(entry.getKey(), child.read);
      writeSet.putGroups(entry.getKey(), child.write);
    }
    for (Map.Entry<String, ConfigGroup> entry : sorted(updated.getGroupsMap()).entrySet()) {
      if (!original.getGroupsMap().containsKey(entry.getKey())) {
        groupsMembers = true;
        GroupUpdate created = groupUpdate(ConfigGroup.getDefaultInstance(), entry.getValue());
        writeSet.putGroups(
            entry.getKey(),
            created.write.toBuilder()
                .setVersion(0)
                .setModPolicy(entry.getValue().getModPolicy())
                .build());
      }
    }
    boolean membersChanged =
        policiesMembers
            || valuesMembers
            || groupsMembers
            || !original.getModPolicy().equals(updated.getModPolicy());
    if (!membersChanged) {
      boolean anyChange =
          writeSet.getPoliciesCount() > 0 || writeSet.getValuesCount() > 0 || childGroupsChanged;
      ConfigGroup versionOnly = ConfigGroup.newBuilder().setVersion(original.getVersion()).build();
      if (!anyChange) {
        return new GroupUpdate(versionOnly, versionOnly, false);
      }
      return new GroupUpdate(
          readSet.build(), writeSet.setVersion(original.getVersion()).build(), true);
    }
    samePolicies.forEach(
        (name, policy) -> {
          readSet.putPolicies(name, policy);
          writeSet.putPolicies(name, policy);
        });
    sameValues.forEach(
        (name, value) -> {
          readSet.putValues(name, value);
          writeSet.putValues(name, value);
        });
    sameGroups.forEach(
        (name, group) -> {
          readSet.putGroups(name, group);
          writeSet.putGroups(name, group);
        });
    return new GroupUpdate(
        readSet.build(),
        writeSet.setVersion(original.getVersion() + 1).setModPolicy(updated.getModPolicy()).build(),
        true);
  }

  private record GroupUpdate(ConfigGroup read, ConfigGroup write, boolean changed) {}

  /** One element of a config tree by its path, as Fabric's config map holds it. */
  private sealed interface Element {
    long version();
  }

  private record GroupElement(ConfigGroup group) implements Element {
    @Override
    public long version() {
      return group.getVersion();
    }
  }

  private record ValueElement(ConfigValue value) implements Element {
    @Override
    public long version() {
      return value.getVersion();
    }
  }

  private record PolicyElement(ConfigPolicy policy) implements Element {
    @Override
    public long version() {
      return policy.getVersion();
    }
  }

  private static void flatten(String path, ConfigGroup group, Map<String, Element> into) {
    into.put(groupKey(path), new GroupElement(group));
    group
        .getValuesMap()
        .forEach((name, value) -> into.put(valueKey(path, name), new ValueElement(value)));
    group
        .getPoliciesMap()
        .forEach((name, policy) -> into.put(policyKey(path, name), new PolicyElement(policy)));
    group.getGroupsMap().forEach((name, child) -> flatten(path + "/" + name, child, into));
  }

  /** The group at {@code path} as the flattened elements say, members from its own entry. */
  private static ConfigGroup rebuild(String path, Map<String, Element> elements)
      throws ConfigException {
    if (!(elements.get(groupKey(path)) instanceof GroupElement entry)) {
      throw refused("the update lists group " + path + " as a member but does not hold it");
    }
    ConfigGroup group = entry.group();
    ConfigGroup.Builder built =
        ConfigGroup.newBuilder().setVersion(group.getVersion()).setModPolicy(group.getModPolicy());
    for (String name : new TreeSet<>(group.getGroupsMap().keySet())) {
      built.putGroups(name, rebuild(path + "/" + name, elements));
    }
    for (String name : new TreeSet<>(group.getValuesMap().keySet())) {
      if (!(elements.get(valueKey(path, name)) instanceof ValueElement value)) {
        throw refused("the update lists value " + path + "/" + name + " but does not hold it");
      }
      built.putValues(name, value.value());
    }
    for (String name : new TreeSet<>(group.getPoliciesMap().keySet())) {
      if (!(elements.get(policyKey(path, name)) instanceof PolicyElement policy)) {
        throw refused("the update lists policy " + path + "/" + name + " but does not hold it");
      }
      built.putPolicies(name, policy.policy());
    }
    return built.build();
  }

  private static String groupKey(String path) {
    return "[Group]  " + path;
  }

  private static String valueKey(String path, String name) {
    return "[Value]  " + path + "/" + name;
  }

  private static String policyKey(String path, String name) {
    return "[Policy] " + path + "/" + name;
  }

  private static <T> Map<String, T> sorted(Map<String, T> map) {
    return new TreeMap<>(map);
  }

  private static ConfigException refused(String message) {
    return new ConfigException(Code.INVALID_CONFIG_UPDATE, message);
  }
}
