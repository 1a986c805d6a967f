/**
 * World state: the current value and version of every key, per contract namespace, as of the last
 * committed block.
 */
package io.patchwork.node.state;
