/** JMH benchmarks of generated code; run with {@code scripts/jmh} (see the README). */
package org.nnvm4j.it.bench;
