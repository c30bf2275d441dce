console.log('alexnet-explorer');
