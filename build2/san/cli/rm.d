build2/san/cli/rm.o: user/cli/rm.c user/cli/cmd.h \
 user/deadcode/deadcode.h user/lib/htab.h user/output/format.h \
 user/lib/msg.h user/deadcode/edit.h
user/cli/cmd.h:
user/deadcode/deadcode.h:
user/lib/htab.h:
user/output/format.h:
user/lib/msg.h:
user/deadcode/edit.h:
