
BPlus214_Output_0J(‡œÄŒ}SE^zÄ™¨Å¡	DC¤¼Ä3šÄnÁD§ÕvÄ$½‰Ä