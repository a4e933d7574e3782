
BPlus214_Output_0J(‹Ó˙ƒ#ïñƒ¢Î'≈Åˆƒπ…¿E>≈•rä¿#5pDÁFH√I’E