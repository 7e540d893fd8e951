// Routing control of the bubble-collapsing shifter: which positions hold a kept element after each of the log2(N)
// shift stages. Element i moves down by z(i) = number of zero elements before it (an exclusive prefix sum over the
// zero flags); stage k moves it by 2^k when bit k of z(i) is set. Shifting the low bit first never makes two kept
// elements meet (they stay in order and distinct), so each stage is one 2:1 mux per position. The compactor
// (zv_compact) and the expander (zv_expand, the mirror image) share this control.
module zv_route #(
    parameter int N = 32  // elements; a power of two >= 2
) (
    input  logic [           N-1:0] keep,      // element i is non-zero
    output logic [ $clog2(N)*N-1:0] sel_hi,    // stage k, position q: takes the element at q + 2^k
    output logic [ $clog2(N)*N-1:0] sel_keep,  // stage k, position q: keeps its own element
    output logic [$clog2(N+1)-1:0] count      // kept elements
);
  localparam int L = $clog2(N);
  localparam int CW = $clog2(N + 1);

  // Exclusive prefix count of zero flags, z(i) = zeros among elements 0..i-1 (at most N-1, fits in L bits): a
  // Hillis-Steele scan, log2(N) levels of adders instead of a ripple chain.
  logic [N*L-1:0] scan[L+1]  /*verilator split_var*/;
  assign scan[0][L-1:0] = '0;
  for (genvar i = 1; i < N; i++) begin : g_init
    assign scan[0][i*L+:L] = L'(!keep[i-1]);
  end
  for (genvar k = 1; k <= L; k++) begin : g_scan
    for (genvar i = 0; i < N; i++) begin : g_i
      if (i >= (1 << (k - 1))) begin : g_add
        assign scan[k][i*L+:L] = scan[k-1][i*L+:L] + scan[k-1][(i-(1<<(k-1)))*L+:L];
      end else begin : g_copy
        assign scan[k][i*L+:L] = scan[k-1][i*L+:L];
      end
    end
  end

  // Shift stages: position q carries (kept v, shift z); stage k reads bit k of z. The last stage's positions are
  // final, so only L-1 stages' results are carried on.
  logic [N-1:0] v[L]  /*verilator split_var*/;
  logic [N*L-1:0] z[L]  /*verilator split_var*/;
  assign v[0] = keep;
  assign z[0] = scan[L];
  for (genvar k = 0; k < L; k++) begin : g_st
    for (genvar q = 0; q < N; q++) begin : g_q
      logic hi, own;
      if (q + (1 << k) < N) begin : g_hi
        assign hi = v[k][q+(1<<k)] && z[k][(q+(1<<k))*L+k];
      end else begin : g_none
        assign hi = 1'b0;
      end
      assign own = v[k][q] && !z[k][q*L+k];
      assign sel_hi[k*N+q] = hi;
      assign sel_keep[k*N+q] = own;
      if (k + 1 < L) begin : g_carry
        assign v[k+1][q] = hi || own;
        if (q + (1 << k) < N) begin : g_zhi
          assign z[k+1][q*L+:L] = hi ? z[k][(q+(1<<k))*L+:L] : (own ? z[k][q*L+:L] : '0);
        end else begin : g_zown
          assign z[k+1][q*L+:L] = own ? z[k][q*L+:L] : '0;
        end
      end
    end
  end

  assign count = CW'(N) - CW'(scan[L][(N-1)*L+:L]) - CW'(!keep[N-1]);
endmodule
