// Read window of a circular buffer: K consecutive W-bit words starting at word `ptr` of a CAP-word ring (wrapping
// past the end). A rotator in log2(CAP) stages of 2:1 muxes, largest shift first, so each later stage only
// carries the words still reachable by the remaining shifts (K + 2^b - 1 of them): about W x (K log2 CAP + CAP)
// muxes instead of K full CAP:1 selectors.
module zv_window #(
    parameter int CAP = 128,  // words in the ring; a power of two
    parameter int K = 32,     // words read; K <= CAP
    parameter int W = 32
) (
    input  logic [      CAP*W-1:0] ring,
    input  logic [$clog2(CAP)-1:0] ptr,
    output logic [        K*W-1:0] window
);
  localparam int P = $clog2(CAP);
  // st[j] is the ring shifted down by the top j bits of ptr; only its low width(j) words are kept.
  logic [(CAP+K)*W-1:0] st[P+1]  /*verilator split_var*/;
  // Stage 0: the ring with its first K-1 words repeated after it (the wrap-around).
  assign st[0] = {ring[K*W-1:0], ring};
  for (genvar j = 0; j < P; j++) begin : g_st
    localparam int B = P - 1 - j;  // ptr bit handled by this stage
    localparam int NEED = (B == 0) ? K : K + (1 << B) - 1;  // words the remaining stages can still reach
    for (genvar q = 0; q < NEED; q++) begin : g_q
      assign st[j+1][q*W+:W] = ptr[B] ? st[j][(q+(1<<B))*W+:W] : st[j][q*W+:W];
    end
    assign st[j+1][(CAP+K)*W-1:NEED*W] = '0;
  end
  assign window = st[P][K*W-1:0];
endmodule
