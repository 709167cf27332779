build2/user/cli/options.o: user/cli/options.c user/cli/cmd.h \
 user/deadcode/deadcode.h user/lib/htab.h user/output/format.h \
 user/collect/filter.h user/lib/file.h user/lib/msg.h user/lib/str.h
user/cli/cmd.h:
user/deadcode/deadcode.h:
user/lib/htab.h:
user/output/format.h:
user/collect/filter.h:
user/lib/file.h:
user/lib/msg.h:
user/lib/str.h:
