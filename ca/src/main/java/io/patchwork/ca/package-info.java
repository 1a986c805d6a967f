/** The referee. */
package io.patchwork.ca;
