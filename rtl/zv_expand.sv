// Inverse of zv_compact: spreads packed elements back to the positions of the set mask bits, zeros elsewhere.
// It runs the compactor's stages mirrored (largest shift first, moving elements up), driven by the same routing
// control computed from the mask, so it costs the same log2(N) levels of 2:1 muxes.
module zv_expand #(
    parameter int N = 32,
    parameter int W = 32
) (
    input  logic [N*W-1:0] packed_data,  // element r = r-th non-zero; elements past popcount(mask) are ignored
    input  logic [  N-1:0] mask,
    output logic [N*W-1:0] out_data,
    output logic [$clog2(N+1)-1:0] count  // popcount(mask)
);
  localparam int L = $clog2(N);
  logic [L*N-1:0] sel_hi, sel_keep;

  zv_route #(.N(N)) u_route (.keep(mask), .sel_hi(sel_hi), .sel_keep(sel_keep), .count(count));

  // y[j] feeds mirrored stage j, which undoes compaction stage k = L-1-j: an element moved from p to p-2^k
  // moves back.
  logic [N*W-1:0] y[L+1]  /*verilator split_var*/;
  assign y[0] = packed_data;
  for (genvar j = 0; j < L; j++) begin : g_st
    localparam int K = L - 1 - j;
    for (genvar p = 0; p < N; p++) begin : g_p
      if (p >= (1 << K)) begin : g_lo
        assign y[j+1][p*W+:W] = sel_hi[K*N+p-(1<<K)] ? y[j][(p-(1<<K))*W+:W] : (sel_keep[K*N+p] ? y[j][p*W+:W] : '0);
      end else begin : g_own
        assign y[j+1][p*W+:W] = sel_keep[K*N+p] ? y[j][p*W+:W] : '0;
      end
    end
  end
  assign out_data = y[L];
endmodule
