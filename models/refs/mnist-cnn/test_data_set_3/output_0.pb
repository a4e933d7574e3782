
BPlus214_Output_0J(&”‘Eูล่ฅ$DกลฮฤÞu$ฤcหDJU•ฤFฦ|ฤþ?AA