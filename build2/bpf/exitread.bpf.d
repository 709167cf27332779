build2/bpf/exitread.bpf.o: bpf/exitread.bpf.c vmlinux/vmlinux.h \
  include/sampler.h include/exitprobe.h

vmlinux/vmlinux.h:

include/sampler.h:

include/exitprobe.h:
