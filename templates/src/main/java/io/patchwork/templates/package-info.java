/**
 * Ledger templates: YAML files describing a kind of ledger (topology, endorsement and voting
 * policies, block cutting, contracts, lifespan, settlement asset, what a request may override), a
 * typed model ({@link io.patchwork.templates.LedgerTemplate}) and a loader that reports every
 * problem with its field path ({@link io.patchwork.templates.Templates}). Built-ins: {@code
 * payments-netting}, {@code supply-chain}, {@code healthcare-records}.
 */
package io.patchwork.templates;
