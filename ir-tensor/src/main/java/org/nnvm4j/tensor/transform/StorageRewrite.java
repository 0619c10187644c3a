package org.nnvm4j.tensor.transform;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.nnvm4j.pass.Pass;
import org.nnvm4j.pass.PassInfo;
import org.nnvm4j.tensor.tir.Allocate;
import org.nnvm4j.tensor.tir.Buffer;
import org.nnvm4j.tensor.tir.BufferLoad;
import org.nnvm4j.tensor.tir.BufferStore;
import org.nnvm4j.tensor.tir.Expr;
import org.nnvm4j.tensor.tir.IrOps;
import org.nnvm4j.tensor.tir.PrimFunc;
import org.nnvm4j.tensor.tir.SeqStmt;
import org.nnvm4j.tensor.tir.Stmt;
import org.nnvm4j.tensor.tir.StmtExprVisitor;
import org.nnvm4j.tensor.tir.StmtMutator;

/**
 * Lets intermediate buffers share memory (TVM's {@code StorageRewrite}): among the allocations directly
 * nested around one sequence of statements, a buffer whose first use comes after the last use of another
 * of the same scope and dtype (both of constant size) takes over that one's storage. The shared buffer is
 * one-dimensional with the larger size, so the pass runs after {@link FlattenStorage}.
 */
public final class StorageRewrite {
  public static final PassInfo INFO = new PassInfo("tir.storage-rewrite",
      "Share one allocation between intermediate buffers whose lifetimes do not overlap", 0);

  private StorageRewrite() {}

  public static Stmt apply(Stmt body) { return new Rewriter().mutate(body); }

  public static Pass<PrimFunc> pass() { return Pass.of(INFO, PrimFunc.class, (f, ctx) -> f.withBody(apply(f.body()))); }

  /** One shared allocation: the buffers it serves and the last statement that uses it so far. */
  private static final class Slot {
    final List<Buffer> members = new ArrayList<>();
    long size;
    int lastUse;
    Buffer merged;
  }

  private static final class Rewriter extends StmtMutator {
    @Override
    protected Stmt visit(Allocate n) {
      List<Buffer> chain = new ArrayList<>();
      Stmt body = n;
      while (body instanceof Allocate a) {
        chain.add(a.buffer());
        body = a.body();
      }
      body = mutate(body);
      if (chain.size() < 2 || !(body instanceof SeqStmt seq)) return rebuild(chain, body, n);
      Map<Buffer, int[]> life = new IdentityHashMap<>();
      for (int i = 0; i < seq.seq().size(); i++) {
        int at = i;
        new StmtExprVisitor() {
          @Override
          protected void visitLoad(BufferLoad l) {
            touch(l.buffer());
            super.visitLoad(l);
          }

          @Override
          protected void visitStore(BufferStore s) {
            touch(s.buffer());
            super.visitStore(s);
          }

          private void touch(Buffer b) {
            int[] r = life.computeIfAbsent(b, k -> new int[] {at, at});
            r[1] = at;
          }
        }.visit(seq.seq().get(i));
      }
      List<Slot> slots = new ArrayList<>();
      Map<Buffer, Slot> slotOf = new IdentityHashMap<>();
      List<Buffer> byFirstUse = chain.stream().filter(life::containsKey)
          .sorted((a, b) -> Integer.compare(life.get(a)[0], life.get(b)[0])).toList();
      for (Buffer b : byFirstUse) {
        Long size = constantSize(b);
        Slot slot = null;
        for (Slot s : slots) {
          Buffer first = s.members.get(0);
          if (size != null && s.lastUse < life.get(b)[0] && first.scope().equals(b.scope())
              && first.dtype().equals(b.dtype())) {
            slot = s;
            break;
          }
        }
        if (slot == null || size == null) {
          slot = new Slot();
          slots.add(slot);
        }
        slot.members.add(b);
        slot.size = Math.max(slot.size, size == null ? 0 : size);
        slot.lastUse = life.get(b)[1];
        slotOf.put(b, slot);
      }
      if (slots.stream().allMatch(s -> s.members.size() == 1)) return rebuild(chain, body, n);
      Map<Buffer, Buffer> target = new IdentityHashMap<>();
      List<Buffer> allocs = new ArrayList<>();
      for (Buffer b : chain) {
        Slot s = slotOf.get(b);
        if (s == null || s.members.size() == 1) {
          allocs.add(b);
          continue;
        }
        if (s.merged == null) {
          Buffer first = s.members.get(0);
          s.merged = new Buffer(first.name(), first.dtype(), List.of(IrOps.intImm(first.shape().get(0).dtype(), s.size)),
              first.scope());
          allocs.add(s.merged);
        }
        target.put(b, s.merged);
      }
      Stmt redirected = StmtMutator.substituteBuffers(body, target);
      for (int i = allocs.size() - 1; i >= 0; i--) redirected = new Allocate(allocs.get(i), redirected);
      return redirected;
    }

    /** The chain of allocations around {@code body}; the original when the body did not change. */
    private static Stmt rebuild(List<Buffer> chain, Stmt body, Allocate original) {
      Stmt inner = original;
      while (inner instanceof Allocate a) inner = a.body();
      if (inner == body) return original;
      for (int i = chain.size() - 1; i >= 0; i--) body = new Allocate(chain.get(i), body);
      return body;
    }

    /** The element count of a buffer of constant, non-empty shape; null otherwise (it keeps its own allocation). */
    private static Long constantSize(Buffer b) {
      if (b.shape().isEmpty()) return null;
      long n = 1;
      for (Expr d : b.shape()) {
        Long c = IrOps.asLong(d);
        if (c == null) return null;
        n *= c;
      }
      return n;
    }
  }
}
