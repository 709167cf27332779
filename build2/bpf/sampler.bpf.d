build2/bpf/sampler.bpf.o: bpf/sampler.bpf.c vmlinux/vmlinux.h \
  include/sampler.h bpf/walker.h bpf/maps.bpf.h

vmlinux/vmlinux.h:

include/sampler.h:

bpf/walker.h:

bpf/maps.bpf.h:
