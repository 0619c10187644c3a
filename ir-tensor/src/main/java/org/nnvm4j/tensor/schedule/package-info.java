/**
 * Schedules (plain data recorded by fluent primitives on {@link org.nnvm4j.tensor.schedule.Stage})
 * and {@link org.nnvm4j.tensor.schedule.Lower}, which turns a scheduled tensor-expression program
 * into a TIR {@link org.nnvm4j.tensor.tir.PrimFunc}.
 */
package org.nnvm4j.tensor.schedule;
