import { createApp } from 'vue';
import App from './App.vue';
import { router } from './router';
import { stripTokenFromAddressBar } from './lib/tokens';
import './styles.css';

// Before anything reads the address: a token in the path is kept in memory and removed from it.
stripTokenFromAddressBar();
createApp(App).use(router).mount('#app');
